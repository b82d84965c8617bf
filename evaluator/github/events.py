"""Webhook deliveries -> jobs (pure): which events start an evaluation, and of what.

Only the fields the evaluator uses are read (pydantic, unknown fields ignored:
GitHub's payloads carry hundreds). The repository is cloned from its own
``clone_url`` at the pull request's head commit; a fork's head commit is
fetched from the base repository, where GitHub keeps every pull request's head.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field, ValidationError

from evaluator.model.base import FrozenModel
from evaluator.queue.model import Job, JobSource, ResultTarget

#: Events the App subscribes to; any other is acknowledged and ignored.
HANDLED_EVENTS = frozenset({"pull_request", "check_run", "installation"})
PULL_REQUEST_ACTIONS = frozenset({"opened", "synchronize", "reopened"})


class _Payload(FrozenModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Installation(_Payload):
    id: int


class _Repository(_Payload):
    full_name: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    clone_url: str = Field(pattern=r"^https?://")


class _Head(_Payload):
    sha: str = Field(pattern=r"^[0-9a-f]{40}$")


class _PullRequest(_Payload):
    number: int
    head: _Head


class PullRequestEvent(_Payload):
    """``pull_request``: evaluate the head commit of an opened or updated pull request."""

    action: str
    installation: _Installation
    repository: _Repository
    pull_request: _PullRequest


class _PullRef(_Payload):
    number: int


class _CheckRun(_Payload):
    head_sha: str = Field(pattern=r"^[0-9a-f]{40}$")
    pull_requests: list[_PullRef] = Field(default_factory=list)


class CheckRunEvent(_Payload):
    """``check_run``: "Re-run" pressed on the evaluator's check run."""

    action: str
    installation: _Installation
    repository: _Repository
    check_run: _CheckRun


class BadPayload(ValueError):
    """A handled event whose payload lacks what the evaluator needs."""


class MalformedJson(BadPayload):
    """The body is not JSON at all."""


def _job(
    delivery: str,
    event: str,
    installation: int,
    repository: _Repository,
    head_sha: str,
    pull: int | None,
) -> Job:
    return Job(
        id=f"gh-{delivery}",
        source=JobSource(location=repository.clone_url, ref=head_sha),
        target=ResultTarget(
            kind="github",
            options={
                "installation_id": installation,
                "repository": repository.full_name,
                "clone_url": repository.clone_url,
                "head_sha": head_sha,
                "pull_number": pull,
            },
        ),
        labels={
            "repository": repository.full_name,
            "event": event,
            "pull_request": str(pull or ""),
            "head_sha": head_sha,
        },
    )


def job_for(event: str, delivery: str, body: bytes) -> Job | None:
    """The job a delivery asks for, or None when it asks for none (another action, another
    event). Raises BadPayload for a handled event with an unusable payload."""
    try:
        if event == "pull_request":
            pr = PullRequestEvent.model_validate_json(body)
            if pr.action not in PULL_REQUEST_ACTIONS:
                return None
            number = pr.pull_request.number
            head = pr.pull_request.head.sha
            return _job(delivery, event, pr.installation.id, pr.repository, head, number)
        if event == "check_run":
            run = CheckRunEvent.model_validate_json(body)
            if run.action != "rerequested":
                return None
            pulls = run.check_run.pull_requests
            pull = pulls[0].number if pulls else None
            sha = run.check_run.head_sha
            return _job(delivery, event, run.installation.id, run.repository, sha, pull)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            raise MalformedJson(f"{event} payload is not JSON: {first['msg']}") from None
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise BadPayload(f"{event} payload: {where}: {first['msg']}") from None
    return None
