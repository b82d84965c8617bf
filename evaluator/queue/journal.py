"""The job journal: one record per job, kept in the queue's own storage.

huey removes a task from the queue when a worker takes it; the journal is what
makes the queue lose nothing. Every job is recorded before it is enqueued; a
worker marks it running (with its ``host:pid`` and a heartbeat) and finished;
:func:`lost_reason` tells a sweeping worker which records lost their worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from huey.constants import EmptyData
from pydantic import ValidationError

from evaluator.queue.backend import Backend
from evaluator.queue.model import JobRecord, JobState
from evaluator.sandbox.spec import owner_is_alive

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Journal:
    """Reads and writes job records on a queue backend."""

    backend: Backend

    def create(self, record: JobRecord) -> bool:
        """Store a new record; False when one with the same job id exists (a duplicate)."""
        return bool(self.backend.records.put_if_empty(record.job.id, _dump(record)))

    def get(self, job_id: str) -> JobRecord | None:
        """The record of ``job_id``, or None."""
        data = self.backend.records.peek_data(job_id)
        return None if data is EmptyData else _load(job_id, data)

    def put(self, record: JobRecord) -> None:
        """Store ``record`` over the one before it."""
        self.backend.records.put_data(record.job.id, _dump(record))

    def delete(self, job_id: str) -> None:
        """Forget a job and its recovery claims."""
        self.backend.records.delete_data(job_id)
        for key in list(self.backend.claims.result_items()):
            if key.startswith(f"{job_id}|"):
                self.backend.claims.delete_data(key)

    def all(self) -> list[JobRecord]:
        """Every readable record (an unreadable one is logged and left alone)."""
        found = (_load(key, value) for key, value in self.backend.records.result_items().items())
        return [record for record in found if record is not None]

    def claim(self, record: JobRecord) -> bool:
        """True for the one caller that may act on this version of ``record``."""
        key = f"{record.job.id}|{record.attempt}|{record.updated_at.isoformat()}"
        return bool(self.backend.claims.put_if_empty(key, b"1"))


def _dump(record: JobRecord) -> bytes:
    return record.model_dump_json().encode()


def _load(job_id: str, data: bytes | str) -> JobRecord | None:
    try:
        return JobRecord.model_validate_json(data)
    except ValidationError as exc:
        log.warning("job record %s is not readable and is left alone: %s", job_id, exc)
        return None


def lost_reason(
    record: JobRecord, *, now: datetime, lease_s: float, host: str | None = None
) -> str | None:
    """Why a running job has lost its worker, or None while the worker is alive (pure
    but for the process check of owners on this host)."""
    if record.state is not JobState.RUNNING:
        return None
    owner = record.owner or ""
    # A worker on this host is checked by its process; one elsewhere by its heartbeat.
    if owner and not owner_is_alive(owner, host=host):
        return f"its worker {owner} is no longer running"
    beat = record.heartbeat_at or record.updated_at
    if now - beat > timedelta(seconds=lease_s):
        return f"its worker {owner or '?'} has not been heard of for {lease_s:.0f} s"
    return None
