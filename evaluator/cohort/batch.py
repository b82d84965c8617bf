"""Planning and following a batch of evaluations (pure; ``commands/batch.py`` does the I/O).

A roster line becomes one job on the job queue. A line whose commit is already
evaluated and stored is skipped (so a re-run resumes). Job ids follow from the
line and its commit: a re-run after an interruption finds the jobs still queued
instead of queueing them twice.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from evaluator.cohort.roster import RosterEntry
from evaluator.config import SandboxLimits
from evaluator.queue.model import JobRecord, JobState


def default_workers(cpus: int, memory_bytes: int, limits: SandboxLimits) -> int:
    """Evaluations at once: as many sandboxes as the cores and the memory hold side by side."""
    by_cpu = int(cpus // limits.cpus) if limits.cpus > 0 else cpus
    by_memory = int(memory_bytes // limits.memory_bytes)
    return max(1, min(by_cpu, by_memory))


def job_id(entry: RosterEntry, commit: str | None, retry: int = 0) -> str:
    """The queue id of a roster line at a commit (``-rN`` for the N-th re-run of a finished one)."""
    key = "\0".join((entry.learner, entry.capstone, entry.repo, entry.ref or "", commit or ""))
    base = f"batch-{hashlib.sha256(key.encode()).hexdigest()[:24]}"
    return f"{base}-r{retry}" if retry else base


@dataclass(frozen=True, kw_only=True)
class BatchStatus:
    """Where a batch stands."""

    total: int
    skipped: int
    done: int
    failed: int
    running: int
    queued: int

    @property
    def finished(self) -> bool:
        """Nothing left to run."""
        return self.running == 0 and self.queued == 0


def failed(record: JobRecord) -> bool:
    """A job that was given up, or whose evaluation could not run (verdict ``error``)."""
    return record.state is JobState.FAILED or record.verdict == "error"


def status(records: Iterable[JobRecord], *, total: int, skipped: int) -> BatchStatus:
    """Count the batch's job records by state."""
    found = list(records)
    ended = [r for r in found if r.finished]
    running = sum(r.state is JobState.RUNNING for r in found)
    return BatchStatus(
        total=total,
        skipped=skipped,
        done=sum(not failed(r) for r in ended),
        failed=sum(failed(r) for r in ended),
        running=running,
        queued=total - skipped - len(ended) - running,
    )


def verdict_counts(records: Iterable[JobRecord]) -> str:
    """``1 graduation-ready, 2 not-yet`` over the evaluations that ran, by verdict name."""
    counts = Counter(r.verdict for r in records if r.finished and r.verdict and not failed(r))
    return ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))


def eta_s(state: BatchStatus, elapsed_s: float) -> float | None:
    """Seconds left, from the pace so far; None before the first job finished."""
    finished = state.done + state.failed
    if finished == 0:
        return None
    left = state.running + state.queued
    return elapsed_s / finished * left


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def progress_line(state: BatchStatus, elapsed_s: float) -> str:
    """``done 3/10 · running 2 · failed 1 · queued 2 · skipped 2 · ETA 1m05s``."""
    todo = state.total - state.skipped
    eta = eta_s(state, elapsed_s)
    parts = [
        f"done {state.done + state.failed}/{todo}",
        f"running {state.running}",
        f"failed {state.failed}",
        f"queued {state.queued}",
    ]
    if state.skipped:
        parts.append(f"skipped {state.skipped}")
    parts.append(f"elapsed {_clock(elapsed_s)}")
    parts.append(f"ETA {_clock(eta)}" if eta is not None else "ETA -")
    return " · ".join(parts)
