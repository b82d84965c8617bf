"""The Action's entry point as a runner starts it: GITHUB_* variables, an event file, the
fake GitHub API; a real evaluation of a small capstone in the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import make_git_repo
from tests.fake_github import fake_github
from tests.loopback import CLI, REPO_ROOT

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SHA = "9" * 40


def _runner_env(tmp_path: Path, api: str, workspace: Path, *, fork: bool) -> dict[str, str]:
    head_repo = "someone/organizer" if fork else "ada/organizer"
    event = {
        "action": "opened",
        "number": 7,
        "repository": {"full_name": "ada/organizer"},
        "pull_request": {"number": 7, "head": {"sha": SHA, "repo": {"full_name": head_repo}}},
    }
    (tmp_path / "event.json").write_text(json.dumps(event))  # fmt: skip
    for name in ("summary.md", "output.txt"):
        (tmp_path / name).write_text("")
    return {**{k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(tmp_path / "event.json"), "GITHUB_REPOSITORY": "ada/organizer",
            "GITHUB_SHA": "1" * 40, "GITHUB_WORKSPACE": str(workspace), "GITHUB_API_URL": api,
            "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "123",
            "GITHUB_TOKEN": "ghs_read_only" if fork else "ghs_workflow",
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
            "GITHUB_OUTPUT": str(tmp_path / "output.txt"), "RUNNER_TEMP": str(tmp_path),
            "CAPSTONE_EVAL_GITHUB_WRITE_INTERVAL_S": "0"}  # fmt: skip


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    make_git_repo(root, {"capstone.yaml": "capstone: 1.1-file-organizer\nsource: [pkg]\n",
                         "pkg/__init__.py": "import os\n\n\ndef add(a, b):\n    return a + b\n",
                         "tests/test_add.py": "from pkg import add\n\n\ndef test_add():\n"
                                              "    assert add(1, 2) == 3\n"})  # fmt: skip
    return root


def _action(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "action", *args], env=env, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip


def test_the_action_publishes_and_exits_by_the_verdict(
    engine: object, checkout: Path, tmp_path: Path
) -> None:
    write = {"checks": "write", "pull_requests": "write"}
    with fake_github(ghs_workflow=write) as fake:
        fake.pull_heads[7] = SHA
        env = _runner_env(tmp_path, fake.url, checkout, fork=False)
        done = _action(env, "--sarif")

    assert done.returncode == 1, done.stdout + done.stderr  # not-yet
    assert "::group::Evaluating" in done.stdout and "::endgroup::" in done.stdout
    (comment,) = fake.comments.values()
    assert comment["body"].startswith("<!-- capstone-evaluator:comment -->")
    assert "https://github.com/ada/organizer/actions/runs/123" in comment["body"]
    (run,) = fake.check_runs.values()
    assert (run["head_sha"], run["status"], run["conclusion"]) == (SHA, "completed", "failure")
    assert [a["title"] for a in run["annotations"]] == ["F401"]
    summary = (tmp_path / "summary.md").read_text()
    assert "Not yet" in summary and "fork" not in summary
    outputs = dict(line.split("=", 1) for line in (tmp_path / "output.txt").read_text().split())
    assert outputs["verdict"] == "not-yet" and outputs["exit-code"] == "1"
    folder = Path(outputs["report-dir"])
    assert {p.name for p in folder.iterdir()} >= {"report.json", "report.html", "ruff.sarif"}
    sarif = json.loads((folder / "ruff.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["F401"]


def test_a_fork_pull_request_falls_back_to_the_job_summary(
    engine: object, checkout: Path, tmp_path: Path
) -> None:
    with fake_github(ghs_read_only={"pull_requests": "read"}) as fake:
        env = _runner_env(tmp_path, fake.url, checkout, fork=True)
        done = _action(env, "--advisory")

    assert done.returncode == 0, done.stdout + done.stderr  # advisory
    assert fake.writes(".") == []
    summary = (tmp_path / "summary.md").read_text()
    assert "comes from a fork" in summary and "Not yet" in summary
    assert "exit-code=0" in (tmp_path / "output.txt").read_text()
