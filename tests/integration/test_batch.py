"""``capstone-eval batch`` as a user runs it: a real batch of tiny repositories on the job
queue through the Docker sandbox, one that cannot be cloned and one that hangs; a re-run
resumes; a bad roster stops everything before it starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluator.store.database import open_store
from tests.conftest import make_git_repo
from tests.integration.test_cli import cli

GOOD = {
    "capstone.yaml": "capstone: 1.1-file-organizer\nsource: [calc]\ntests: [tests]\n",
    "calc/__init__.py": "def add(a, b):\n    return a + b\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
}
HANGS = {**GOOD, "tests/test_calc.py": "def test_forever():\n    while True:\n        pass\n"}


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "CAPSTONE_EVAL_DATABASE_URL": f"sqlite:///{tmp_path / 'results.sqlite'}",
        "CAPSTONE_EVAL_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}",
        "CAPSTONE_EVAL_DATA": str(tmp_path / "data"),
        "CAPSTONE_EVAL_TIMEOUT_S": "10",
    }


@pytest.mark.docker
@pytest.mark.slow
def test_batch_survives_bad_repositories_and_resumes(tmp_path: Path, engine) -> None:
    make_git_repo(tmp_path / "ada", GOOD)
    make_git_repo(tmp_path / "bob", GOOD)
    make_git_repo(tmp_path / "dee", HANGS)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "learner,repo,ref,capstone,cohort\n"
        "ada,ada,,1.1,c1\n"
        f"bob,file://{tmp_path / 'bob'},main,1.1-file-organizer,c1\n"
        f"cem,file://{tmp_path / 'missing.git'},,1.1,c1\n"
        "dee,dee,,1.1,c1\n"
    )
    env = _env(tmp_path)
    done = cli("batch", str(roster), "--workers", "2", "--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 1, done.stdout + done.stderr  # one line could not be evaluated
    assert "line 4: cem 1.1-file-organizer: " in done.stdout and "missing.git" in done.stdout
    assert "3 evaluated (3 not-yet), 1 could not be, 0 skipped" in done.stdout
    assert f"  report: {tmp_path / 'out' / 'cem' / '1.1-file-organizer'}\n" in done.stdout
    assert "  hint: " in done.stdout  # what to do about the clone, on a line of its own
    assert "done 4/4 · running 0 · failed 1 · queued 0" in done.stderr
    frames = open_store(env["CAPSTONE_EVAL_DATABASE_URL"]).frames("c1")
    rows = frames.evaluations.set_index("learner")
    assert sorted(rows.index) == ["ada", "bob", "cem", "dee"]
    assert rows.loc["cem", "check_verdict"] == "error" and rows.loc["ada", "attempt"] == 1
    assert rows.loc["bob", "commit_sha"] is not None
    text = open_store(env["CAPSTONE_EVAL_DATABASE_URL"]).report_text(int(rows.loc["dee", "id"]))
    tests = next(c for c in json.loads(text or "{}")["checks"] if c["id"] == "tests")
    assert tests["status"] == "error" and "timed out after 10 s" in tests["summary"]
    assert (tmp_path / "out" / "ada" / "1.1-file-organizer" / "report.html").is_file()

    again = cli("batch", str(roster), env=env)
    assert again.returncode == 1
    assert "1 to evaluate, 3 evaluated already" in again.stderr
    assert "0 evaluated, 1 could not be, 3 skipped" in again.stdout


def test_bad_roster_lists_every_problem_and_runs_nothing(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("learner,repo,ref,capstone\nada,nowhere,,1.1\nada,nowhere,,9.9\n")
    env = _env(tmp_path)
    done = cli("batch", str(roster), env=env)
    assert done.returncode == 2
    assert f"{roster}:2: no such folder 'nowhere'" in done.stderr
    assert f"{roster}:3: unknown capstone '9.9'" in done.stderr
    assert not (tmp_path / "queue.db").exists()
