"""Running one job in a worker: mark it running, evaluate, write the reports, deliver.

Learner failures are in the report like on the command line; an evaluation
that cannot run (unreachable repository, bad ref) is delivered as a report with
verdict ``error``. Only what may pass (engine down, GitHub unreachable) is
retried later; a job whose result cannot be delivered is marked failed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from evaluator.config import EvaluatorConfig
from evaluator.errors import ConfigError, EngineUnavailable, EvaluatorError
from evaluator.intake.source import Source
from evaluator.model.report import Report
from evaluator.pipeline import EvaluationRequest, error_report, evaluate
from evaluator.queue.jobqueue import JobQueue
from evaluator.queue.journal import lost_reason
from evaluator.queue.logs import event
from evaluator.queue.model import Job, JobRecord, JobState, now
from evaluator.queue.sinks import ResultSink, make_sink
from evaluator.reporting.files import REPORT_JSON, write_reports

log = logging.getLogger(__name__)
T = TypeVar("T")


class RetryLater(EvaluatorError):
    """The job cannot run now (engine down, GitHub unreachable); it is retried after a delay."""


def verdict_of(report: Report) -> str:
    """The graduation verdict, or the check verdict when no rubric applied."""
    return report.decision.verdict.value if report.decision else report.verdict.value


def persist(action: Callable[[], T], *, what: str, give_up_s: float = 120.0) -> T:
    """Run a storage action, retrying while the queue's storage is away (a Redis restart)."""
    delay, deadline = 0.2, time.monotonic() + give_up_s
    while True:
        try:
            return action()
        except Exception as exc:
            if time.monotonic() > deadline or not _transient(exc):
                raise
            event(log, "queue.storage-retry", level=logging.WARNING, what=what, error=str(exc))
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _transient(exc: Exception) -> bool:
    import sqlite3

    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    return isinstance(exc, RedisConnectionError | RedisTimeout | sqlite3.OperationalError)


@dataclass(kw_only=True)
class JobRunner:
    """The function the queue's task calls in a worker: ``runner(job_id)``."""

    queue: JobQueue
    config: EvaluatorConfig
    owner: str
    """host:pid of this worker process."""
    running: set[str] = field(default_factory=set)
    """Jobs this process is running now (read by the worker on shutdown)."""

    def __call__(self, job_id: str) -> None:
        """Run the job ``job_id`` (a duplicate or finished job is skipped)."""
        journal = self.queue.journal
        record = persist(lambda: journal.get(job_id), what="read job")
        if record is None or record.finished:
            event(log, "job.skipped", job=job_id, reason="unknown" if record is None else "done")
            return
        busy = record.state is JobState.RUNNING and record.owner != self.owner
        if busy and lost_reason(record, now=now(), lease_s=self.queue.settings.lease_s) is None:
            event(log, "job.skipped", job=job_id, reason=f"running on {record.owner}")
            return
        started = record.model_copy(
            update={"state": JobState.RUNNING, "attempt": record.attempt + 1,
                    "owner": self.owner, "heartbeat_at": now(), "updated_at": now(),
                    "error": None}
        )  # fmt: skip
        persist(lambda: journal.put(started), what="mark running")
        event(log, "job.started", job=job_id, attempt=started.attempt, labels=record.job.labels)
        self.running.add(job_id)
        began = time.monotonic()
        try:
            with self._heartbeat(started):
                final = self._attempt(started)
        except Exception as exc:  # a bug must not take the worker down, nor lose the job
            log.exception("job %s failed in the evaluator", job_id)
            final = _finish(started, JobState.FAILED, error=f"internal error: {exc}")
        finally:
            self.running.discard(job_id)
        persist(lambda: journal.put(final), what="record result")
        event(
            log, "job.finished", job=job_id, state=final.state.value, verdict=final.verdict,
            seconds=round(time.monotonic() - began, 3), error=final.error,
        )  # fmt: skip

    def _attempt(self, record: JobRecord) -> JobRecord:
        job = record.job
        try:
            sink = make_sink(job.target, self.config)
        except ConfigError as exc:
            return _finish(record, JobState.FAILED, error=str(exc))
        try:
            sink.started(job)
            report = self._evaluate(job, sink)
        except (RetryLater, EngineUnavailable) as exc:
            return self._retry_later(record, sink, exc.message)
        except ConfigError as exc:  # e.g. the App is not installed there: retrying won't help
            _tell_failed(sink, job, exc.message)
            return _finish(record, JobState.FAILED, error=str(exc))
        folder = self.queue.reports_dir / job.id
        base = self.config.github.report_url
        url = f"{base}/{job.id}/report.html" if base else None
        write_reports(report, folder / REPORT_JSON, lang=job.lang, report_url=url)
        done = {"verdict": verdict_of(report), "report_dir": str(folder)}
        try:
            sink.finished(job, report, folder)
        except Exception as exc:
            log.warning("job %s: delivering the report failed", job.id, exc_info=True)
            _tell_failed(sink, job, f"the report could not be delivered: {exc}")
            return _finish(record, JobState.FAILED, error=f"delivery failed: {exc}", **done)
        return _finish(record, JobState.DONE, **done)

    def _evaluate(self, job: Job, sink: ResultSink) -> Report:
        source = Source(
            location=job.source.location, ref=job.source.ref, git_config=sink.git_config()
        )
        # A sink may read the workspace before it is removed (the store keeps the sources).
        keep = getattr(sink, "keep_workspace", None)
        request = EvaluationRequest(source=source, capstone=job.source.capstone, on_workspace=keep)
        started = now()

        def progress(message: str) -> None:
            event(log, "job.progress", level=logging.DEBUG, job=job.id, message=message)

        try:
            return evaluate(request, self.config, progress=progress)
        except EngineUnavailable:
            raise
        except EvaluatorError as exc:
            return error_report(request, str(exc), started)

    def _retry_later(self, record: JobRecord, sink: ResultSink, why: str) -> JobRecord:
        settings = self.queue.settings
        if record.attempt >= settings.max_attempts:
            message = f"gave up after {record.attempt} attempts: {why}"
            _tell_failed(sink, record.job, message)
            return _finish(record, JobState.FAILED, error=message)
        persist(
            lambda: self.queue.enqueue(record.job.id, delay_s=settings.retry_delay_s),
            what="schedule retry",
        )
        event(log, "job.retry-later", level=logging.WARNING, job=record.job.id, reason=why)
        return _finish(record, JobState.QUEUED, error=why)

    @contextmanager
    def _heartbeat(self, record: JobRecord) -> Iterator[None]:
        stop = threading.Event()
        journal, interval = self.queue.journal, self.queue.settings.heartbeat_s

        def beat() -> None:
            while not stop.wait(interval):
                try:
                    current = journal.get(record.job.id)
                    if current is None or current.owner != self.owner:
                        continue  # taken over (we were presumed lost): leave it
                    journal.put(current.model_copy(update={"heartbeat_at": now()}))
                except Exception as exc:  # noqa: BLE001  (storage away a moment: next beat)
                    event(log, "job.heartbeat-missed", level=logging.WARNING,
                          job=record.job.id, error=str(exc))  # fmt: skip

        thread = threading.Thread(target=beat, name=f"heartbeat-{record.job.id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def _finish(record: JobRecord, state: JobState, **fields: Any) -> JobRecord:
    owner = record.owner if state is JobState.RUNNING else None
    return record.model_copy(update={"state": state, "owner": owner, "updated_at": now(), **fields})


def _tell_failed(sink: ResultSink, job: Job, message: str) -> None:
    try:
        sink.failed(job, message)
    except Exception:
        log.warning("job %s: telling the target about the failure failed", job.id, exc_info=True)
