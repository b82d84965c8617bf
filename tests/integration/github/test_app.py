"""The GitHub App end to end: signed webhooks to `capstone-eval serve`, a `capstone-eval
worker` that takes an installation token from the fake GitHub API, clones over HTTP with it,
evaluates in the real sandbox and publishes the sticky comment and the check run."""

from __future__ import annotations

import json
import os
from base64 import b64encode
from pathlib import Path
from typing import Any

import git
import pytest
import requests

from evaluator.queue.model import JobState
from tests.conftest import make_git_repo, write_tree
from tests.fake_github import APP_ID, FakeGitHub, app_key, fake_github, git_host
from tests.integration.github.test_webhook import SECRET, deliver, pull_request
from tests.integration.queue.conftest import open_queue
from tests.loopback import ServeProcess, WorkerProcess, wait_for

pytestmark = [pytest.mark.docker, pytest.mark.slow]

# A hostile test: it fails with everything it can see (environment, workspace files), so a
# token that reached the sandbox would show in the report.
SNOOP = """\
import os
import pathlib


def test_add():
    from pkg import add

    assert add(1, 2) == 3


def test_snoop():
    files = [p.read_text(errors="ignore") for p in pathlib.Path(".").rglob("*") if p.is_file()]
    assert False, repr(dict(os.environ)) + "".join(files)
"""


def _learner(root: Path) -> git.Repo:
    repo = make_git_repo(root, {"capstone.yaml": "capstone: 1.1-file-organizer\nsource: [pkg]\n",
                                "pkg/__init__.py": "def add(a, b):\n    return a + b\n",
                                "tests/test_add.py": SNOOP})  # fmt: skip
    repo.git.checkout("-b", "feature")
    return repo


def _push(repo: git.Repo, files: dict[str, str]) -> str:
    write_tree(Path(repo.working_dir), files)
    repo.git.add(A=True)
    return repo.index.commit("push").hexsha


def _all_completed(fake: FakeGitHub, sha: str) -> list[dict[str, Any]]:
    runs = [r for r in fake.check_runs.values() if r["head_sha"] == sha]
    return [r for r in runs if r.get("status") == "completed"]


def _completed(fake: FakeGitHub, sha: str) -> dict[str, Any] | None:
    found = _all_completed(fake, sha)
    return found[0] if found else None


def _rerun(sha: str, clone_url: str) -> bytes:
    return json.dumps({
        "action": "rerequested", "installation": {"id": 77},
        "repository": {"full_name": "ada/organizer", "clone_url": clone_url},
        "check_run": {"head_sha": sha, "pull_requests": [{"number": 7}]},
    }).encode()  # fmt: skip


def test_pull_request_to_sticky_comment_and_check_run(engine: object, tmp_path: Path) -> None:
    private, public = app_key()
    (tmp_path / "app.pem").write_text(private)
    with fake_github(public) as fake, git_host(tmp_path / "git", fake) as host:
        learner = _learner(tmp_path / "learner")
        first_sha = _push(learner, {"pkg/util.py": "import os\n"})
        host.publish("ada/organizer", Path(learner.working_dir))
        fake.pull_heads[7] = first_sha
        env = {**os.environ, "CAPSTONE_EVAL_DATA": str(tmp_path / "data"),
               "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": fake.url,
               "GITHUB_APP_ID": APP_ID, "GITHUB_APP_PRIVATE_KEY_FILE": str(tmp_path / "app.pem"),
               "CAPSTONE_EVAL_GITHUB_WRITE_INTERVAL_S": "0"}  # fmt: skip
        env.pop("CAPSTONE_EVAL_QUEUE_URL", None)
        clone_url = host.url("ada/organizer")
        serve = ServeProcess(env, tmp_path / "serve.log")
        hook = f"{serve.url}/webhook"
        started = [serve]
        try:
            accepted = deliver(hook, pull_request("opened", first_sha, clone_url), delivery="d-1")
            assert accepted.status_code == 202
            serve.kill()  # the server goes down right after the acknowledgement ...
            serve = ServeProcess(env, tmp_path / "serve.log", port=serve.port)
            worker = WorkerProcess(env, tmp_path / "worker.log")  # ... the job is still there
            started += [serve, worker]
            wait_for(lambda: _completed(fake, first_sha), timeout_s=120, what="first check run")

            second_sha = _push(learner, {"pkg/util.py": "import os\nimport sys\n"})
            host.publish("ada/organizer", Path(learner.working_dir))
            fake.pull_heads[7] = second_sha
            again = deliver(
                hook, pull_request("synchronize", second_sha, clone_url), delivery="d-2"
            )
            duplicate = deliver(hook, pull_request("synchronize", second_sha, clone_url),
                                delivery="d-2")  # fmt: skip
            wait_for(lambda: _completed(fake, second_sha), timeout_s=120, what="second run")
            # "Re-run" on the first push's check run: its result must not replace the comment.
            deliver(hook, _rerun(first_sha, clone_url), event="check_run", delivery="d-3")
            wait_for(lambda: len(_all_completed(fake, first_sha)) == 2, timeout_s=120,
                     what="the re-run of the first push")  # fmt: skip
            health = requests.get(f"{serve.url}/healthz", timeout=5).json()
        finally:
            for process in started:
                process.stop()

    assert (again.status_code, duplicate.json()["status"]) == (202, "duplicate")
    assert health["status"] == "ok"
    queue, _ = open_queue(env)
    records = {r.job.id: r for r in queue.records()}
    assert {k: r.state for k, r in records.items()} == {
        "gh-d-1": JobState.DONE, "gh-d-2": JobState.DONE, "gh-d-3": JobState.DONE}  # fmt: skip

    # One sticky comment, created once and edited on the second push.
    assert len(fake.comments) == 1
    assert len(fake.writes(r"/issues/7/comments$")) == 1
    assert len(fake.writes(r"/issues/comments/\d+$")) == 1
    body = next(iter(fake.comments.values()))["body"]
    assert body.startswith("<!-- capstone-evaluator:comment -->") and "Not yet" in body
    assert "sys" in body  # the second push's findings, not the re-run of the first

    # Each commit's check run went in_progress -> completed, with annotations.
    for sha, unused in ((first_sha, 1), (second_sha, 2)):
        run = _completed(fake, sha)
        assert run is not None and run["name"] == "capstone-evaluator"
        assert run["conclusion"] == "failure"  # the snooping test fails: not-yet
        codes = sorted(a["title"] for a in run["annotations"])
        assert codes.count("F401") == unused and "test-failure" in codes
    assert [r.body["status"] for r in fake.writes(r"/check-runs$")] == ["in_progress"] * 3

    # Tokens: narrowed to the one repository; the clone used the read-only one.
    issued = fake.issued()
    assert {t["repositories"][0] for t in issued} == {"organizer"}
    readers = [t for t in issued if t["permissions"] == {"contents": "read"}]
    writers = [t for t in issued if t["permissions"] == {"checks": "write",
                                                        "pull_requests": "write"}]  # fmt: skip
    assert readers and writers and len(readers) + len(writers) == len(issued)
    read_headers = {"Basic " + b64encode(b"x-access-token:" + t["token"].encode()).decode()
                    for t in readers}  # fmt: skip
    fetches = [auth for _method, path, auth in host.seen if "upload-pack" in path]
    assert fetches and set(fetches) <= read_headers
    # ... and appears in no log, no report, no job record, and never reached the sandbox.
    logs = [(tmp_path / "worker.log").read_text(), (tmp_path / "serve.log").read_text()]
    reports = [p.read_text() for r in records.values() for p in Path(r.report_dir or "").iterdir()]
    assert any("test_snoop" in text and "PATH" in text for text in reports)  # the snoop reported
    texts = logs + reports + [r.model_dump_json() for r in records.values()]
    for token in (t["token"] for t in issued):
        assert all(token not in text for text in texts)
    # Nor do the worker's own secrets: the webhook secret and the App's private key.
    key_line = private.splitlines()[1]
    assert all(SECRET not in text and key_line not in text for text in texts)
