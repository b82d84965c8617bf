"""``capstone-eval worker``: run queued evaluations until stopped."""

from __future__ import annotations

from evaluator.config import EvaluatorConfig
from evaluator.queue.jobqueue import JobQueue, is_storage_error
from evaluator.queue.logs import configure_logging
from evaluator.queue.worker import run_worker


def run(config: EvaluatorConfig, *, workers: int | None, log_format: str, verbose: bool) -> int:
    """Take jobs from the configured queue with ``workers`` evaluations at once (blocks)."""
    configure_logging(log_format, verbose=verbose)
    queue = JobQueue.open(config)
    try:
        run_worker(queue, config, workers=workers or config.queue.workers)
    except Exception as exc:
        if not is_storage_error(exc):
            raise
        raise queue.unavailable(exc) from None
    return 0
