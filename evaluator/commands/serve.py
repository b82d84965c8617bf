"""``capstone-eval serve``: the GitHub App's webhook endpoint."""

from __future__ import annotations

import uvicorn

from evaluator.config import EvaluatorConfig
from evaluator.queue.jobqueue import JobQueue
from evaluator.queue.logs import configure_logging, event
from evaluator.server.app import create_app, log


def run(config: EvaluatorConfig, *, host: str, port: int, log_format: str) -> int:
    """Serve ``POST /webhook`` and ``GET /healthz`` until stopped (SIGINT/SIGTERM)."""
    configure_logging(log_format)
    queue = JobQueue.open(config)
    app = create_app(config, queue)  # raises without GITHUB_WEBHOOK_SECRET
    event(log, "server.started", host=host, port=port, queue=queue.where)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False,
                server_header=False, timeout_graceful_shutdown=10)  # fmt: skip
    return 0
