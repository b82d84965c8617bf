"""The ``capstone-eval`` command as a user runs it: exit codes, files, messages, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evaluator.sandbox.spec import LABEL, OWNER_LABEL
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
    def test_bundled_example_needs_only_a_mentor(self, tmp_path, engine):
        out = tmp_path / "out"
        store = {"CAPSTONE_EVAL_DATABASE_URL": f"sqlite:///{tmp_path / 'results.sqlite'}"}
        done = cli(
            "evaluate", "examples/file-organizer", "--out", str(out), "--cohort", "demo",
            cwd=REPO_ROOT, env=store,
        )  # fmt: skip
        # Every automatic criterion of rubric 1.1 is met; the three judgement criteria
        # wait for the LLM review or a mentor, so the honest verdict is needs-mentor (exit 1).
        assert done.returncode == 1, done.stdout + done.stderr
        assert "rubric: 1.1-file-organizer, score so far" in done.stdout
        assert done.stdout.splitlines()[-1] == "verdict: needs-mentor"
        report = json.loads((out / "report.json").read_text())
        assert report["capstone"] == "1.1-file-organizer"
        assert report["verdict"] == "pass"
        assert report["checks"][3]["id"] == "tests"
        assert report["checks"][3]["metrics"]["passed"] >= 20
        decision = report["decision"]
        assert decision["verdict"] == "needs-mentor"
        assert decision["failing"] == []
        assert set(decision["undecided"]) == {"structure", "error-handling-quality", "test-quality"}
        trust = {c["id"]: c["trust"] for c in report["criteria"]}
        assert trust["lint-budget"] == "verified"
        assert trust["coverage"] == "self-reported"
        assert trust["structure"] == "llm"
        md = (out / "report.md").read_text()
        assert md.splitlines()[1] == "## 🧑‍🏫 Needs a mentor: File Organizer CLI"
        html = (out / "report.html").read_text()
        assert html.startswith("<!DOCTYPE html>")
        assert "Code structure" in html

        # A second run keeps the first as report.previous.json and diffs against it.
        again = cli(
            "evaluate", "examples/file-organizer", "--out", str(out), "--lang", "nl", "-q",
            "--cohort", "demo", cwd=REPO_ROOT, env=store,
        )  # fmt: skip
        assert again.returncode == 1, again.stdout + again.stderr
        assert json.loads((out / "report.previous.json").read_text()) == report
        html = (out / "report.html").read_text()
        assert "Wijzigingen sinds de vorige poging" in html
        assert "Mentor nodig" in (out / "report.md").read_text()

        # The mentor scores the judgement criteria: the verdict is re-decided.
        for criterion in decision["undecided"]:
            done = cli(
                "override", str(out), criterion, "--level", "3", "--note", "Discussed <live>",
                "--by", "Ada", env=store,
            )  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
        final = json.loads((out / "report.json").read_text())
        assert final["decision"]["verdict"] == "graduation-ready"
        assert len(final["overrides"]) == 3
        assert "Discussed &lt;live&gt;" in (out / "report.html").read_text()

        # Both evaluations, their sources and the three overrides are in the results store.
        from evaluator.store.database import open_store

        kept = open_store(store["CAPSTONE_EVAL_DATABASE_URL"])
        frames = kept.frames("demo")
        rows = frames.evaluations.sort_values("started_at")
        assert rows.learner.tolist() == ["file-organizer"] * 2  # from the folder's name
        assert rows.attempt.tolist() == [1, 2]
        assert rows.verdict.tolist() == ["needs-mentor", "graduation-ready"]
        assert sorted(frames.overrides.criterion) == sorted(decision["undecided"])
        assert set(frames.overrides.evaluator_trust) == {"llm"}
        archives = kept.sources(rows.id.tolist())
        assert len(archives) == 2

    def test_hostile_learner_text_is_escaped_in_every_report(self, tmp_path, engine):
        repo = tmp_path / "repo"
        shutil.copytree(REPO_ROOT / "examples" / "file-organizer", repo)
        evil = "<script>alert('pwned')</script>"
        write_tree(
            repo,
            {
                "tests/test_evil.py": (
                    f"def test_evil():\n    assert False, {evil!r} + ' @octocat ```'\n"
                )
            },
        )
        out = tmp_path / "out"
        done = cli("evaluate", str(repo), "--out", str(out), "-q")
        assert done.returncode == 1, done.stdout + done.stderr
        assert done.stdout.splitlines()[-1] == "verdict: not-yet"
        report = json.loads((out / "report.json").read_text())
        assert "tests-pass" in report["decision"]["failing"]
        assert evil in json.dumps(report["checks"], ensure_ascii=False)
        html = (out / "report.html").read_text()
        assert "&lt;script&gt;alert(" in html
        assert "<script>alert(" not in html
        md = (out / "report.md").read_text()
        assert "Run `pytest` locally" in md
        # Raw text only inside fenced code blocks, where GitHub shows it inert.
        outside = re.sub(r"(`{3,})text\n.*?\n\1\n", "", md, flags=re.DOTALL)
        assert "<script>" not in outside
        assert "@octocat" not in outside
        assert "&lt;script&gt;alert" in outside

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
        assert f"error: there is no folder {tmp_path}/missing.git on this machine" in done.stderr
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
        # Only this child's containers: other evaluations may share the engine.
        owner = f"{OWNER_LABEL}={socket.gethostname()}:{proc.pid}"
        mine = {"label": owner}
        running_tests = {"label": [owner, f"{LABEL}.purpose=tests"]}
        deadline = time.monotonic() + 60
        while not engine.client.containers.list(filters=running_tests, ignore_removed=True):
            assert time.monotonic() < deadline, "the test container never started"
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130, stderr
        assert "interrupted" in stderr
        assert not engine.client.containers.list(all=True, filters=mine, ignore_removed=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
def test_missing_path_is_a_clear_error(tmp_path):
    done = cli("evaluate", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_benchmark_run_on_a_capstone_without_one_says_so():
    done = cli("benchmark", "run", str(REPO_ROOT / "examples" / "file-organizer"))
    assert done.returncode == 2
    assert "error: the rubric of capstone 1.1-file-organizer names no benchmark\n" in done.stderr
    assert "hint: pass --name" in done.stderr


def test_a_reader_that_goes_away_is_not_a_crash(tmp_path):
    """`capstone-eval rubrics show ID --json | head -c 0`: no internal error, no crash log."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    producer = subprocess.Popen([*CLI, "rubrics", "show", "1.1-file-organizer", "--json"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)  # fmt: skip
    assert producer.stdout is not None and producer.stderr is not None
    producer.stdout.close()  # the reader is gone before the schema is written
    stderr = producer.stderr.read().decode()
    assert producer.wait(timeout=60) == 1, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    assert not list(tmp_path.rglob("crash*"))
