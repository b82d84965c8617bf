"""The webhook endpoint over real HTTP on 127.0.0.1: signatures, deliveries, limits."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import requests
import uvicorn

from evaluator.config import load_config
from evaluator.queue.jobqueue import JobQueue
from evaluator.server.app import create_app
from evaluator.server.signature import sign
from tests.loopback import CLI, REPO_ROOT, free_port, wait_for

SECRET = "It's a Secret to Everybody"
SHA = "0123456789abcdef0123456789abcdef01234567"


def pull_request(action: str = "opened", sha: str = SHA, clone_url: str = "") -> bytes:
    """A pull_request payload like GitHub's (trimmed to a few of its many fields)."""
    return json.dumps({
        "action": action, "number": 7, "installation": {"id": 77},
        "repository": {"full_name": "ada/organizer", "private": True,
                       "clone_url": clone_url or "https://github.com/ada/organizer.git"},
        "pull_request": {"number": 7, "state": "open", "title": "Capstone",
                         "head": {"sha": sha, "ref": "feature"}, "base": {"ref": "main"}},
        "sender": {"login": "ada", "type": "User"},
    }).encode()  # fmt: skip


def deliver(url: str, body: bytes, *, event: str = "pull_request", delivery: str = "d-1",
            signature: str | None = "sign", secret: str = SECRET) -> requests.Response:  # fmt: skip
    """POST ``body`` to ``url`` the way GitHub delivers a webhook."""
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
               "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/test"}  # fmt: skip
    if signature == "sign":
        headers["X-Hub-Signature-256"] = sign(secret, body)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return requests.post(url, data=body, headers=headers, timeout=30)


@dataclass
class Served:
    url: str
    queue: JobQueue


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    config = load_config({"CAPSTONE_EVAL_DATA": str(tmp_path / "data")})
    config = replace(config, github=replace(config.github, webhook_secret=SECRET))
    queue = JobQueue.open(config)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config, queue), host="127.0.0.1",
                                           port=port, log_config=None))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, timeout_s=10, what="the webhook server")
    yield Served(url=f"http://127.0.0.1:{port}", queue=queue)
    server.should_exit = True
    thread.join(timeout=10)


def test_a_signed_delivery_is_queued_once(served: Served) -> None:
    hook = f"{served.url}/webhook"
    first = deliver(hook, pull_request())
    again = deliver(hook, pull_request())  # GitHub redelivers with the same delivery id
    assert (first.status_code, first.json()) == (202, {"status": "queued", "job": "gh-d-1"})
    assert (again.status_code, again.json()["status"]) == (202, "duplicate")
    assert served.queue.waiting_ids() == {"gh-d-1"}
    assert requests.get(f"{served.url}/healthz", timeout=5).json() == {
        "status": "ok", "queued": 1}  # fmt: skip


def test_forged_and_unsigned_deliveries_get_401(served: Served) -> None:
    hook = f"{served.url}/webhook"
    forged = deliver(hook, pull_request(), secret="guessed")
    tampered = deliver(hook, pull_request(sha="f" * 40), signature=sign(SECRET, pull_request()))
    unsigned = deliver(hook, pull_request(), signature=None)
    assert [r.status_code for r in (forged, tampered, unsigned)] == [401, 401, 401]
    assert served.queue.records() == []


def test_other_events_and_bad_bodies(served: Served) -> None:
    hook = f"{served.url}/webhook"
    star = deliver(hook, b'{"action": "created"}', event="star", delivery="d-2")
    closed = deliver(hook, pull_request("closed"), delivery="d-3")
    install = deliver(hook, b'{"action": "created", "installation": {"id": 1}}',
                      event="installation", delivery="d-4")  # fmt: skip
    malformed = deliver(hook, b'{"action": "opened", ', delivery="d-5")
    incomplete = deliver(hook, b'{"action": "opened"}', delivery="d-6")
    assert (star.status_code, star.json()["status"]) == (202, "ignored")
    assert (closed.status_code, closed.json()["status"]) == (202, "nothing to do")
    assert (install.status_code, install.json()["status"]) == (202, "nothing to do")
    assert (malformed.status_code, malformed.json()["status"]) == (400, "malformed JSON")
    assert incomplete.status_code == 400 and "installation" in incomplete.json()["error"]
    assert served.queue.records() == []


def test_a_25_mb_body_is_refused_before_it_is_read(served: Served) -> None:
    body = b'{"pad": "' + b"x" * (25 * 1024 * 1024) + b'"}'
    answer = deliver(f"{served.url}/webhook", body)
    assert answer.status_code == 413
    # Without Content-Length (chunked), the body is cut at the limit too.
    chunked = requests.post(f"{served.url}/webhook", data=iter([body[:4_000_000]] * 2),
                            headers={"X-GitHub-Event": "pull_request"}, timeout=30)  # fmt: skip
    assert chunked.status_code == 413


def test_serve_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_WEBHOOK_SECRET"}
    env["CAPSTONE_EVAL_DATA"] = str(tmp_path)
    done = subprocess.run([*CLI, "serve", "--port", str(free_port())], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2
    assert "GITHUB_WEBHOOK_SECRET is not set" in done.stderr
