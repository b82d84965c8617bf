"""The GitHub App's webhook endpoint: ``POST /webhook`` and ``GET /healthz`` (Starlette).

Every delivery is checked before anything else is done with it: its size (413
past the limit, before the body is read in full), then its signature over the
raw body (401 when missing or wrong). A delivery that asks for an evaluation is
recorded in the job queue (deduplicated by ``X-GitHub-Delivery``) and answered
202 at once; the evaluation runs in a worker, never here. Other events get 202
and are ignored.
"""

from __future__ import annotations

import logging
import time

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from evaluator.config import EvaluatorConfig
from evaluator.errors import ConfigError
from evaluator.github.events import HANDLED_EVENTS, BadPayload, MalformedJson, job_for
from evaluator.queue.jobqueue import JobQueue, QueueUnavailable, Submitted
from evaluator.queue.logs import event
from evaluator.queue.model import Job
from evaluator.server.signature import signature_valid

log = logging.getLogger(__name__)


class _Reply(Exception):
    """Stops handling a delivery with this response."""

    def __init__(self, status: int, reason: str, **fields: object) -> None:
        super().__init__(reason)
        self.response = JSONResponse({"status": reason, **fields}, status_code=status)


async def _verified_body(request: Request, secret: str, limit: int, delivery: str) -> bytes:
    """The raw body, at most ``limit`` bytes (413) and signed with ``secret`` (401)."""
    declared = request.headers.get("content-length", "")
    too_large = _Reply(413, "too large", limit=limit)
    if declared.isdigit() and int(declared) > limit:
        event(log, "webhook.too-large", level=logging.WARNING, delivery=delivery)
        raise too_large
    body = bytearray()
    async for chunk in request.stream():  # a body without Content-Length is cut here
        body += chunk
        if len(body) > limit:
            event(log, "webhook.too-large", level=logging.WARNING, delivery=delivery)
            raise too_large
    if not signature_valid(secret, bytes(body), request.headers.get("x-hub-signature-256")):
        event(log, "webhook.unauthorized", level=logging.WARNING, delivery=delivery)
        raise _Reply(401, "bad signature")
    return bytes(body)


def _job_of(name: str, delivery: str, body: bytes) -> Job:
    """The job a verified delivery asks for; other events and actions end in a 202."""
    if name not in HANDLED_EVENTS:
        event(log, "webhook.ignored", delivery=delivery, gh_event=name)
        raise _Reply(202, "ignored", event=name)
    if not delivery:
        raise _Reply(400, "missing X-GitHub-Delivery")
    try:
        job = job_for(name, delivery, body)
    except MalformedJson:
        raise _Reply(400, "malformed JSON") from None
    except BadPayload as exc:
        event(log, "webhook.bad-payload", level=logging.WARNING, delivery=delivery,
              error=str(exc))  # fmt: skip
        raise _Reply(400, "bad payload", error=str(exc)) from None
    if job is None:
        event(log, "webhook.no-job", delivery=delivery, gh_event=name)
        raise _Reply(202, "nothing to do", event=name)
    return job


async def _submit(queue: JobQueue, job: Job, delivery: str) -> Submitted:
    try:
        return await run_in_threadpool(queue.submit, job)
    except QueueUnavailable as exc:
        event(log, "webhook.queue-down", level=logging.ERROR, delivery=delivery,
              error=exc.message)  # fmt: skip
        raise _Reply(503, "queue unavailable") from None


def create_app(config: EvaluatorConfig, queue: JobQueue) -> Starlette:
    """The ASGI application; refuses to exist without the webhook secret."""
    secret = config.github.webhook_secret
    if not secret:
        raise ConfigError(
            "GITHUB_WEBHOOK_SECRET is not set: unsigned deliveries cannot be told from forged ones",
            hint="set it to the secret in the GitHub App's settings (Webhook secret)",
        )
    limit = config.github.max_body_bytes

    async def webhook(request: Request) -> JSONResponse:
        began = time.perf_counter()
        delivery = request.headers.get("x-github-delivery", "")
        name = request.headers.get("x-github-event", "")
        try:
            body = await _verified_body(request, secret, limit, delivery)
            job = _job_of(name, delivery, body)
            submitted = await _submit(queue, job, delivery)
        except _Reply as reply:
            return reply.response
        event(
            log, "webhook.queued", delivery=delivery, gh_event=name, job=job.id,
            duplicate=not submitted.created, repository=job.labels.get("repository", ""),
            ms=round((time.perf_counter() - began) * 1000, 2),
        )  # fmt: skip
        reason = "queued" if submitted.created else "duplicate"
        return JSONResponse({"status": reason, "job": job.id}, status_code=202)

    async def healthz(request: Request) -> JSONResponse:
        try:
            waiting = await run_in_threadpool(queue.backend.huey.pending_count)
        except Exception:  # noqa: BLE001  (any storage error means "not healthy")
            return JSONResponse({"status": "queue unavailable"}, status_code=503)
        return JSONResponse({"status": "ok", "queued": waiting})

    return Starlette(
        routes=[
            Route("/webhook", webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
