"""``capstone-eval worker``: a huey consumer that runs jobs, and the sweeper that loses none.

At start, and every few seconds after, the worker removes sandbox containers
whose owning process is gone (a worker killed mid-evaluation leaves one) and
puts back on the queue every job whose worker was lost: a worker on this host
is checked by its process id, one on another host by its heartbeat. Two
sweeping workers never both put a job back (a one-time claim in the storage).
On shutdown, the jobs this process was running go back on the queue at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from huey.consumer import Consumer

from evaluator.config import EvaluatorConfig
from evaluator.queue.jobqueue import JobQueue
from evaluator.queue.journal import lost_reason
from evaluator.queue.logs import event
from evaluator.queue.model import JobRecord, JobState, now
from evaluator.queue.run import JobRunner, persist
from evaluator.queue.sinks import make_sink
from evaluator.sandbox.spec import process_owner

log = logging.getLogger(__name__)

#: Removes sandbox containers of dead owner processes; returns how many (engine adapter).
Reaper = Callable[[], int]


def engine_reaper(config: EvaluatorConfig) -> Reaper:
    """A reaper on the configured Docker engine (connected on first use, again after an
    engine error)."""
    from evaluator.sandbox.engine import DockerEngine

    engines: list[DockerEngine] = []

    def reap() -> int:
        if not engines:
            engines.append(DockerEngine.connect(config.docker_host))
        try:
            return engines[0].remove_leftovers()
        except Exception:
            engines.clear()
            raise

    return reap


@dataclass(kw_only=True)
class Sweeper:
    """Finds lost jobs and puts them back; prunes old records; reaps leftovers."""

    queue: JobQueue
    config: EvaluatorConfig
    reap: Reaper
    suspects: set[str] = field(default_factory=set)
    """Queued jobs missing from the queue at the last sweep (taken by a worker that died
    before it marked them running, or recorded by a producer that died before enqueueing)."""

    def sweep(self) -> int:
        """One pass; returns how many jobs were put back or given up."""
        try:
            removed = self.reap()
            if removed:
                event(log, "worker.reaped", containers=removed)
        except Exception as exc:  # noqa: BLE001  (engine away: the next sweep reaps)
            event(log, "worker.reap-failed", level=logging.WARNING, error=str(exc))
        waiting = self.queue.waiting_ids()
        settings, moment = self.queue.settings, now()
        keep = timedelta(seconds=settings.keep_s)
        suspects, acted = set(), 0
        for record in self.queue.records():
            job_id = record.job.id
            reason = lost_reason(record, now=moment, lease_s=settings.lease_s)
            if record.state is JobState.QUEUED and job_id not in waiting:
                if job_id not in self.suspects:
                    suspects.add(job_id)
                    continue
                reason = "it was recorded but missing from the queue"
            if reason is not None:
                acted += self._put_back(record, reason)
            elif record.finished and moment - record.updated_at > keep:
                self.queue.journal.delete(job_id)
        self.suspects = suspects
        return acted

    def _put_back(self, record: JobRecord, reason: str) -> int:
        journal = self.queue.journal
        if not journal.claim(record):
            return 0  # another worker is putting it back
        job = record.job
        if record.attempt >= self.queue.settings.max_attempts:
            message = f"gave up after {record.attempt} attempts: {reason}"
            journal.put(record.model_copy(update={
                "state": JobState.FAILED, "owner": None, "error": message, "updated_at": now()
            }))  # fmt: skip
            try:
                make_sink(job.target, self.config).failed(job, message)
            except Exception:
                log.warning("job %s: telling the target it failed failed", job.id, exc_info=True)
            event(log, "job.given-up", level=logging.ERROR, job=job.id, reason=message)
            return 1
        journal.put(record.model_copy(update={
            "state": JobState.QUEUED, "owner": None, "error": reason, "updated_at": now()
        }))  # fmt: skip
        self.queue.enqueue(job.id)
        event(log, "job.recovered", level=logging.WARNING, job=job.id, reason=reason,
              attempt=record.attempt)  # fmt: skip
        return 1


@contextmanager
def _attached(queue: JobQueue, config: EvaluatorConfig, reap: Reaper | None) -> Iterator[JobRunner]:
    """A runner attached to ``queue`` and a sweeper thread, for as long as the block runs;
    afterwards the jobs still running here go back on the queue."""
    runner = JobRunner(queue=queue, config=config, owner=process_owner())
    queue.runner = runner
    sweeper = Sweeper(queue=queue, config=config, reap=reap or engine_reaper(config))
    sweeper.sweep()
    stop = threading.Event()

    def sweep_forever() -> None:
        while not stop.wait(queue.settings.sweep_s):
            try:
                sweeper.sweep()
            except Exception as exc:  # noqa: BLE001  (storage away: the next round)
                event(log, "worker.sweep-failed", level=logging.WARNING, error=str(exc))

    thread = threading.Thread(target=sweep_forever, name="sweeper", daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        stop.set()
        _put_back_own(queue, runner)
        event(log, "worker.stopped", owner=runner.owner)


def _consumer(queue: JobQueue, workers: int) -> Consumer:
    return Consumer(
        queue.backend.huey,
        workers=workers,
        worker_type="thread",
        periodic=False,
        max_delay=queue.settings.poll_s,
        check_worker_health=True,
    )


def run_worker(
    queue: JobQueue,
    config: EvaluatorConfig,
    *,
    workers: int,
    reap: Reaper | None = None,
) -> None:
    """Run jobs from ``queue`` with ``workers`` at once until SIGINT/SIGTERM (blocks).

    SIGINT lets running evaluations finish; SIGTERM stops at once, and the jobs
    this process was running go back on the queue.
    """
    with _attached(queue, config, reap) as runner:
        consumer = _consumer(queue, workers)
        event(log, "worker.started", owner=runner.owner, workers=workers, queue=queue.where)
        consumer.run()


@contextmanager
def worker_threads(
    queue: JobQueue,
    config: EvaluatorConfig,
    *,
    workers: int,
    reap: Reaper | None = None,
) -> Iterator[JobRunner]:
    """Run jobs from ``queue`` in this process's background threads while the block runs
    (``capstone-eval batch``: submit, then ``queue.wait``). Signal handling stays the
    caller's. Leaving the block lets running evaluations finish; an exception
    (Ctrl-C) leaves at once, and the jobs still running go back on the queue."""
    with _attached(queue, config, reap) as runner:
        consumer = _consumer(queue, workers)
        consumer.scheduler.start()
        for _, thread in consumer.worker_threads:
            thread.start()
        event(log, "worker.started", owner=runner.owner, workers=workers, queue=queue.where)
        try:
            yield runner
        except BaseException:
            consumer.stop(graceful=False)
            raise
        consumer.stop(graceful=True)


def _put_back_own(queue: JobQueue, runner: JobRunner) -> None:
    """Jobs still running here when the worker stops go back on the queue now."""
    for job_id in list(runner.running):
        record = queue.journal.get(job_id)
        if record is None or record.owner != runner.owner or record.finished:
            continue
        back = record.model_copy(update={
            "state": JobState.QUEUED, "owner": None, "updated_at": now(),
            "error": f"its worker {runner.owner} was stopped",
        })  # fmt: skip
        persist(_putter(queue, back), what="put back", give_up_s=10)
        queue.enqueue(job_id)
        event(log, "job.put-back", job=job_id)


def _putter(queue: JobQueue, record: JobRecord) -> Callable[[], None]:
    def put() -> None:
        queue.journal.put(record)

    return put
