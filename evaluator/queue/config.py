"""Settings of the job queue (pure data; :func:`evaluator.config.load_config` fills them).

Kept apart from ``evaluator.config`` so the queue's settings read in one place
and that module stays a list of fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from evaluator.errors import ConfigError

#: Environment variables of the queue, with what each sets.
QUEUE_URL = "CAPSTONE_EVAL_QUEUE_URL"
WORKERS = "CAPSTONE_EVAL_WORKERS"
LEASE = "CAPSTONE_EVAL_QUEUE_LEASE_S"


@dataclass(frozen=True, kw_only=True)
class QueueConfig:
    """Where jobs are kept and how workers take them."""

    url: str | None = None
    """``redis://host:port/db`` for workers on many machines, ``sqlite:///path`` or None for
    the embedded queue in the evaluator's data folder (CAPSTONE_EVAL_QUEUE_URL)."""
    name: str = "capstone_eval"
    """Queue name: workers and producers of one deployment share it."""
    workers: int = 1
    """Evaluations one worker process runs at once (CAPSTONE_EVAL_WORKERS)."""
    heartbeat_s: float = 10.0
    """How often a running job records that its worker is alive."""
    lease_s: float = 60.0
    """A running job whose worker has not been heard of for this long is taken over
    (CAPSTONE_EVAL_QUEUE_LEASE_S). Workers on this host are checked by process id at once."""
    sweep_s: float = 5.0
    """How often each worker looks for lost jobs and leftover containers."""
    max_attempts: int = 3
    """A job whose worker was lost this many times is marked failed instead of retried."""
    retry_delay_s: float = 30.0
    """Wait before retrying a job whose evaluation could not start (engine down)."""
    keep_s: float = 7 * 24 * 3600.0
    """Finished job records are kept this long (the reports stay on disk)."""
    fsync: bool = False
    """Embedded queue: make every commit wait for the disk (CAPSTONE_EVAL_QUEUE_FSYNC=1);
    without it a committed job survives any process crash, not a power cut."""
    poll_s: float = 0.5
    """Longest wait of an idle worker between looks at an embedded (SQLite) queue."""

    def resolved_url(self, data_dir: Path) -> str:
        """The storage URL: the configured one, or the SQLite file under ``data_dir``."""
        return self.url or f"sqlite:///{data_dir / 'queue' / 'jobs.db'}"


def _positive_int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key, "")
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{key}={raw!r} is not a positive whole number", hint=f"unset {key}")
    return int(raw)


def load_queue_config(env: Mapping[str, str]) -> QueueConfig:
    """The queue settings from ``CAPSTONE_EVAL_QUEUE_*`` and ``CAPSTONE_EVAL_WORKERS``."""
    url = env.get(QUEUE_URL) or None
    if url is not None and not url.startswith(("redis://", "rediss://", "unix://", "sqlite:///")):
        raise ConfigError(
            f"{QUEUE_URL}={url!r} is not a queue address",
            hint="use redis://host:6379/0 (workers on many machines) or sqlite:///path/jobs.db",
        )
    lease = env.get(LEASE, "")
    try:
        lease_s = float(lease) if lease else QueueConfig.lease_s
    except ValueError:
        raise ConfigError(f"{LEASE}={lease!r} is not a number of seconds") from None
    if lease_s < 3:
        raise ConfigError(f"{LEASE}={lease!r} is too short", hint="use 30 seconds or more")
    return QueueConfig(
        url=url,
        workers=_positive_int(env, WORKERS, QueueConfig.workers),
        lease_s=lease_s,
        heartbeat_s=min(QueueConfig.heartbeat_s, lease_s / 3),
        fsync=env.get("CAPSTONE_EVAL_QUEUE_FSYNC", "") in ("1", "true", "yes"),
    )
