"""The ``capstone-eval`` command as a user runs it: exit codes, files, messages, Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evaluator.sandbox.spec import LABEL
from tests.conftest import REPO_ROOT, make_git_repo, write_tree

CLI = [sys.executable, "-m", "evaluator"]


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=600,
        check=False,
    )


def test_engine_down_exits_2_with_hint_and_error_report(tmp_path):
    write_tree(tmp_path / "repo", {"capstone.yaml": "capstone: '1.1'\n"})
    done = cli(
        "evaluate",
        str(tmp_path / "repo"),
        "--out",
        str(tmp_path / "out"),
        env={"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"},
    )
    assert done.returncode == 2
    assert "error: no Docker engine answers" in done.stderr
    assert "hint:" in done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["verdict"] == "error"
    assert "no Docker engine answers" in report["error"]


def test_schema_command_prints_the_report_schema():
    done = cli("schema", "report")
    assert done.returncode == 0
    assert json.loads(done.stdout)["title"] == "Report"


@pytest.mark.docker
@pytest.mark.slow
class TestWithEngine:
    def test_bundled_example_passes(self, tmp_path, engine):
        done = cli("evaluate", "examples/file-organizer", "--out", str(tmp_path), cwd=REPO_ROOT)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "verdict: pass" in done.stdout
        report = json.loads((tmp_path / "report.json").read_text())
        assert report["schema_version"]
        assert report["capstone"] == "1.1-file-organizer"
        assert report["checks"][3]["id"] == "tests"
        assert report["checks"][3]["metrics"]["passed"] >= 20
        assert (tmp_path / "report.md").read_text().startswith("## Capstone evaluation")

    def test_failed_check_exits_1_and_json_goes_to_stdout(self, tmp_path, engine):
        make_git_repo(tmp_path / "repo", {"calc.py": "x = 1\n"})
        done = cli(
            "evaluate", f"file://{tmp_path / 'repo'}", "--json", "-q", "--out", str(tmp_path / "o")
        )
        assert done.returncode == 1
        report = json.loads(done.stdout)
        assert report["verdict"] == "fail"
        assert {c["id"]: c["status"] for c in report["checks"]}["manifest"] == "fail"

    def test_unreachable_repository_exits_2(self, tmp_path, engine):
        done = cli("evaluate", f"file://{tmp_path}/missing.git", "--out", str(tmp_path / "o"))
        assert done.returncode == 2
        assert "could not fetch" in done.stderr
        assert "Traceback" not in done.stderr

    def test_ctrl_c_removes_the_container(self, tmp_path, engine):
        loop = "def test_forever():\n    while True:\n        pass\n"
        make_git_repo(tmp_path / "repo", {"capstone.yaml": "capstone: '1.1'\n", "test_x.py": loop})
        proc = subprocess.Popen(
            [*CLI, "evaluate", str(tmp_path / "repo"), "--out", str(tmp_path / "o")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not engine.client.containers.list(filters={"label": f"{LABEL}.purpose=tests"}):
            assert time.monotonic() < deadline, "the test container never started"
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert "interrupted" in stderr
        assert not engine.client.containers.list(all=True, filters={"label": LABEL})


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
def test_missing_path_is_a_clear_error(tmp_path):
    done = cli("evaluate", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
