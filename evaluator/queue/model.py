"""The data a job carries between producers and workers (pydantic: it crosses machines).

A job is validated when it is submitted and again when a worker reads it, so a
record written by another version, or tampered with in the store, is refused
with the field that is wrong instead of half-running.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, JsonValue

from evaluator.model.base import FrozenModel

JobId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


class JobSource(FrozenModel):
    """What to evaluate: the evaluation request of ``capstone-eval evaluate``."""

    location: str = Field(min_length=1, description="Local path or git URL (never with a token).")
    ref: str | None = Field(default=None, description="Branch, tag or commit.")
    capstone: str | None = Field(default=None, description="Capstone id pinned by the producer.")


class ResultTarget(FrozenModel):
    """Where the result goes: a sink kind (see ``evaluator.queue.sinks``) and its options."""

    kind: str = Field(pattern=r"^[a-z][a-z0-9-]{0,31}$", description="e.g. 'github', 'folder'.")
    options: dict[str, JsonValue] = Field(default_factory=dict)


class Job(FrozenModel):
    """One evaluation to run, and what to do with its report."""

    id: JobId = Field(description="Unique; a second submit with the same id is a duplicate.")
    source: JobSource
    target: ResultTarget
    lang: Literal["en", "nl"] = "en"
    labels: dict[str, str] = Field(
        default_factory=dict, description="Free-form context for logs (learner, repository, PR)."
    )
    submitted_at: datetime = Field(default_factory=now)


class JobState(StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    """Evaluated and delivered (the verdict may still be ``error``: the report says why)."""
    FAILED = "failed"
    """Given up: the worker was lost too often, or delivering the result failed."""


class JobRecord(FrozenModel):
    """The journal entry of one job: the source of truth for retries and progress."""

    job: Job
    state: JobState = JobState.QUEUED
    attempt: int = Field(default=0, description="Attempts started so far.")
    owner: str | None = Field(default=None, description="host:pid of the worker running it.")
    heartbeat_at: datetime | None = None
    updated_at: datetime = Field(default_factory=now)
    verdict: str | None = Field(default=None, description="The report's verdict, when done.")
    report_dir: str | None = Field(default=None, description="Where the worker wrote the report.")
    error: str | None = Field(default=None, description="Why the job failed or was retried.")

    @property
    def finished(self) -> bool:
        """Done or failed: nothing more will happen to it."""
        return self.state in (JobState.DONE, JobState.FAILED)
