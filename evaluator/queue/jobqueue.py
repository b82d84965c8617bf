"""Submitting jobs and reading their state: what the GitHub App and ``batch`` call.

``JobQueue.submit`` records the job in the journal, then enqueues it; both are
written to the queue's storage (a committed SQLite transaction, a Redis write)
before it returns, so a caller that acknowledges after ``submit`` never
acknowledges a job that could be lost. A second submit of the same job id is a
duplicate and changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from evaluator.config import EvaluatorConfig
from evaluator.errors import EvaluatorError
from evaluator.queue.backend import Backend, open_backend
from evaluator.queue.config import QueueConfig
from evaluator.queue.journal import Journal
from evaluator.queue.model import Job, JobRecord

log = logging.getLogger(__name__)

#: The huey task every job runs as; its only argument is the job id.
TASK_NAME = "capstone-eval.job"


class QueueUnavailable(EvaluatorError):
    """The queue's storage (SQLite file, Redis server) cannot be reached."""


@dataclass(frozen=True, kw_only=True)
class Submitted:
    """The outcome of a submit."""

    record: JobRecord
    created: bool
    """False when a job with the same id was already known (a duplicate delivery)."""


class JobQueue:
    """One queue: its journal, its huey task and (in a worker) the function that runs jobs."""

    def __init__(self, backend: Backend, settings: QueueConfig, reports_dir: Path) -> None:
        self.backend = backend
        self.settings = settings
        self.journal = Journal(backend=backend)
        self.reports_dir = reports_dir
        self.runner: Callable[[str], None] | None = None
        self.task = backend.huey.task(name=TASK_NAME)(self._run)

    @classmethod
    def open(cls, config: EvaluatorConfig) -> JobQueue:
        """The queue the configuration names (the embedded SQLite one by default)."""
        settings = config.queue
        url = settings.resolved_url(config.data_dir)
        backend = open_backend(url, settings.name, fsync=settings.fsync)
        return cls(backend, settings, config.data_dir / "queue" / "reports")

    def unavailable(self, exc: Exception) -> QueueUnavailable:
        """The error that says this queue's storage cannot be reached, and what to do."""
        return QueueUnavailable(
            f"the job queue at {self.where} cannot be reached: {exc}",
            hint="start the Redis server (or check CAPSTONE_EVAL_QUEUE_URL) and retry",
        )

    @property
    def where(self) -> str:
        """The queue's storage address, without secrets."""
        return self.backend.where

    def _run(self, job_id: str) -> None:
        if self.runner is None:
            raise RuntimeError("this queue has no worker attached")
        self.runner(job_id)

    def submit(self, job: Job) -> Submitted:
        """Record and enqueue ``job`` (or find the one already recorded under its id)."""
        record = JobRecord(job=job)
        try:
            if not self.journal.create(record):
                existing = self.journal.get(job.id)
                log.info("duplicate job %s ignored", job.id)
                return Submitted(record=existing or record, created=False)
            self.enqueue(job.id)
        except Exception as exc:
            if is_storage_error(exc):
                raise self.unavailable(exc) from None
            raise
        return Submitted(record=record, created=True)

    def enqueue(self, job_id: str, *, delay_s: float | None = None) -> None:
        """Put ``job_id`` on the queue for a worker (after ``delay_s`` seconds)."""
        if delay_s:
            self.task.schedule(args=(job_id,), delay=delay_s)
        else:
            self.task(job_id)

    def get(self, job_id: str) -> JobRecord | None:
        """The record of one job."""
        return self.journal.get(job_id)

    def records(self) -> list[JobRecord]:
        """Every job record (queued, running and finished within the keep time)."""
        return self.journal.all()

    def waiting_ids(self) -> set[str]:
        """Ids of jobs on the queue or scheduled for a retry."""
        huey = self.backend.huey
        tasks = [*huey.pending(), *huey.scheduled()]
        return {str(task.args[0]) for task in tasks if task.name == TASK_NAME and task.args}

    def wait(
        self, job_ids: Iterable[str], *, timeout_s: float, poll_s: float = 0.2
    ) -> list[JobRecord]:
        """Block until every job is finished (or ``timeout_s`` passes); their records."""
        ids = list(job_ids)
        deadline = time.monotonic() + timeout_s
        while True:
            found = [self.get(job_id) for job_id in ids]
            records = [r for r in found if r is not None]
            if len(records) == len(ids) and all(r.finished for r in records):
                return records
            if time.monotonic() > deadline:
                return records
            time.sleep(poll_s)


def is_storage_error(exc: Exception) -> bool:
    """Whether ``exc`` says the queue's storage (SQLite file, Redis) cannot be used."""
    import sqlite3

    from redis.exceptions import RedisError

    return isinstance(exc, sqlite3.Error | RedisError | OSError)
