"""Batch planning: default workers, job ids, status counts and the progress line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evaluator.cohort.batch import default_workers, job_id, progress_line, status, verdict_counts
from evaluator.cohort.roster import RosterEntry
from evaluator.config import GIB, SandboxLimits
from evaluator.queue.model import Job, JobRecord, JobSource, JobState, ResultTarget

ENTRY = RosterEntry(
    line=2,
    learner="ada",
    repo="https://x.org/ada/c",
    ref=None,
    capstone="1.1-file-organizer",
    cohort=None,
)


def test_default_workers_fit_cores_and_memory() -> None:
    limits = SandboxLimits(cpus=1.0, memory_bytes=2 * GIB)
    assert default_workers(2, 24 * GIB, limits) == 2
    assert default_workers(16, 8 * GIB, limits) == 4  # memory bound
    assert default_workers(1, 1 * GIB, limits) == 1  # never zero
    assert default_workers(8, 64 * GIB, SandboxLimits(cpus=2.0, memory_bytes=2 * GIB)) == 4


def test_job_ids_follow_line_and_commit() -> None:
    assert job_id(ENTRY, "a" * 40) == job_id(ENTRY, "a" * 40)
    assert job_id(ENTRY, "a" * 40) != job_id(ENTRY, "b" * 40)
    assert job_id(ENTRY, None, retry=2).endswith("-r2")
    assert job_id(ENTRY, None).startswith("batch-")


def _record(n: int, state: JobState, verdict: str | None = None) -> JobRecord:
    job = Job(id=f"j{n}", source=JobSource(location="x"), target=ResultTarget(kind="store"),
              submitted_at=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    return JobRecord(job=job, state=state, verdict=verdict,
                     updated_at=job.submitted_at + timedelta(seconds=10))  # fmt: skip


def test_status_and_progress_line() -> None:
    records = [
        _record(1, JobState.DONE, "not-yet"),
        _record(2, JobState.DONE, "error"),  # could not run: counted as failed
        _record(3, JobState.FAILED),
        _record(4, JobState.RUNNING),
        _record(5, JobState.QUEUED),
    ]
    state = status(records, total=8, skipped=2)
    assert (state.done, state.failed, state.running, state.queued) == (1, 2, 1, 2)
    assert not state.finished
    line = progress_line(state, elapsed_s=90)
    assert (
        line == "done 3/6 · running 1 · failed 2 · queued 2 · skipped 2 · elapsed 1m30s · ETA 1m30s"
    )
    assert progress_line(status([], total=3, skipped=0), 2).endswith("ETA -")


def test_verdict_counts_cover_the_evaluations_that_ran() -> None:
    records = [
        _record(1, JobState.DONE, "not-yet"),
        _record(2, JobState.DONE, "error"),  # could not run: not a verdict on the work
        _record(3, JobState.DONE, "graduation-ready"),
        _record(4, JobState.DONE, "not-yet"),
        _record(5, JobState.RUNNING),
    ]
    assert verdict_counts(records) == "1 graduation-ready, 2 not-yet"
    assert verdict_counts([]) == ""
