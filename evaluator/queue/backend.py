"""The task queue under the jobs: huey, on SQLite (embedded) or Redis (many machines).

Why huey: one small library whose SQLite storage needs no server (the default:
a file in the evaluator's data folder) and whose Redis storage lets workers on
many machines share the queue, with the same code. It gives the queue, the
consumer with its worker threads, scheduling of delayed retries and atomic
key-value operations on both storages. Celery was weighed: its server-less
transports (SQLAlchemy, filesystem) are experimental and lose unacknowledged
messages when a worker dies, and its Redis redelivery waits for a visibility
timeout that must outlast the longest evaluation (ten minutes and more) or it
runs jobs twice while they are still running.

What huey does not do is acknowledge a task after it ran: a worker killed
mid-task loses it (huey's documentation says so). The job journal
(``evaluator.queue.journal``) adds that on huey's own storage, so both
backends get it.

Task messages are JSON, not huey's default pickle: whoever can write to the
queue's Redis must not be able to run code in the workers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from huey import RedisHuey
from huey.api import Huey
from huey.registry import Message
from huey.serializer import Serializer
from huey.storage import BaseStorage, RedisStorage, SqliteStorage

from evaluator.errors import ConfigError

_DATETIME = "__datetime__"


class JsonMessages(Serializer):  # type: ignore[misc]
    """huey task messages as JSON: strings, numbers, lists, dicts and datetimes only."""

    def _serialize(self, data: Any) -> bytes:
        if not isinstance(data, Message):
            raise TypeError(f"only task messages are queued, not {type(data).__name__}")
        fields = {
            key: {_DATETIME: value.isoformat()} if isinstance(value, datetime) else value
            for key, value in data._asdict().items()
        }
        return json.dumps(fields, separators=(",", ":")).encode()

    def _deserialize(self, data: bytes) -> Any:
        fields = json.loads(data)
        if not isinstance(fields, dict) or set(fields) - set(Message._fields):
            raise ValueError("not a task message")
        for key, value in fields.items():
            if isinstance(value, dict) and set(value) == {_DATETIME}:
                fields[key] = datetime.fromisoformat(value[_DATETIME])
        fields["args"] = tuple(fields.get("args") or ())
        return Message(**fields)


class _SqliteStorage(SqliteStorage):  # type: ignore[misc]
    """huey's SQLite storage with ``synchronous=NORMAL`` unless ``fsync`` is asked for.

    In WAL mode NORMAL commits without an fsync: a committed job survives the crash
    of any evaluator process, and a commit takes microseconds instead of an fsync's
    milliseconds (which at 100 deliveries/s queue up behind SQLite's write lock). An
    OS crash or power cut may lose the last commits; CAPSTONE_EVAL_QUEUE_FSYNC=1 (FULL)
    or Redis with ``appendfsync always`` closes that too.
    """

    def __init__(self, name: str, *, filename: str, full_sync: bool) -> None:
        self._full_sync = full_sync
        super().__init__(name, filename=filename)

    def _create_connection(self) -> Any:
        conn = super()._create_connection()
        conn.execute(f"pragma synchronous={'FULL' if self._full_sync else 'NORMAL'}")
        return conn


@dataclass(frozen=True, kw_only=True)
class Backend:
    """A queue's huey instance and the storages of its journal, on one backend."""

    huey: Huey
    records: BaseStorage
    """job id -> JobRecord (JSON)."""
    claims: BaseStorage
    """One-time claims (put_if_empty) that stop two workers recovering the same job."""
    where: str
    """The storage address with any password removed, for logs and messages."""


def redact(url: str) -> str:
    """``url`` without a password (Redis URLs may carry one)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def open_backend(url: str, name: str, *, fsync: bool = False) -> Backend:
    """Connect to the queue at ``url`` (``sqlite:///path`` or ``redis://...``); ``fsync``
    makes every SQLite commit wait for the disk."""
    serializer = JsonMessages()
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite://"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the queue folder {path.parent}: {exc.strerror}",
                hint="set CAPSTONE_EVAL_DATA or CAPSTONE_EVAL_QUEUE_URL to a writable place",
            ) from None
        huey = Huey(name, results=False, serializer=serializer, storage_class=_SqliteStorage,
                    filename=str(path), full_sync=fsync)  # fmt: skip
        records: BaseStorage = _SqliteStorage(f"{name}.records", filename=str(path),
                                              full_sync=fsync)  # fmt: skip
        claims: BaseStorage = _SqliteStorage(f"{name}.claims", filename=str(path),
                                             full_sync=fsync)  # fmt: skip
    else:
        huey = RedisHuey(name, url=url, results=False, serializer=serializer)
        pool = huey.storage.pool
        records = RedisStorage(f"{name}_records", connection_pool=pool)
        claims = RedisStorage(f"{name}_claims", connection_pool=pool)
    return Backend(huey=huey, records=records, claims=claims, where=redact(url))
