"""A hostile submission against the results store and the cohort dashboard, through the real
sandbox: markup in file names and code, an oversized file and a symlink do not reach the
dashboard or the store's source archive as they are; its honest twin keeps its grade."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evaluator.store.database import open_store
from evaluator.store.sources import MAX_FILE_BYTES, read_sources
from tests.conftest import REPO_ROOT
from tests.integration.test_cli import cli

pytestmark = [pytest.mark.docker, pytest.mark.slow]

EVIL = '<img src=x onerror="alert(1)">'


def _honest(root: Path) -> Path:
    shutil.copytree(REPO_ROOT / "examples" / "file-organizer", root)
    return root


def _hostile(root: Path) -> Path:
    _honest(root)
    package = root / "file_organizer"
    (package / f"{EVIL}.py").write_text(f"X = '{EVIL}</pre><script>alert(2)</script>'\n")
    (package / "huge.py").write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 100))
    (package / "alias.py").symlink_to(package / "rules.py")
    return root


def test_hostile_submission_is_inert_in_store_and_dashboard(tmp_path: Path, engine) -> None:
    env = {"CAPSTONE_EVAL_DATABASE_URL": f"sqlite:///{tmp_path / 'results.sqlite'}"}
    grades = {}
    for learner, build in (("honest", _honest), ("mallory", _hostile)):
        out = tmp_path / f"out-{learner}"
        done = cli(
            "evaluate", str(build(tmp_path / learner)), "--out", str(out), "-q",
            "--learner", learner, "--cohort", "red-team", env=env,
        )  # fmt: skip
        assert done.returncode == 1, done.stdout + done.stderr  # needs-mentor, as the example
        grades[learner] = json.loads((out / "report.json").read_text())["decision"]
    assert grades["honest"]["verdict"] == "needs-mentor"
    assert grades["honest"]["failing"] == []

    store = open_store(env["CAPSTONE_EVAL_DATABASE_URL"])
    rows = store.frames("red-team").evaluations.set_index("learner")
    archives = store.sources(int(i) for i in rows["id"])
    honest = read_sources(archives[int(rows.loc["honest", "id"])])
    mallory = read_sources(archives[int(rows.loc["mallory", "id"])])
    assert "file_organizer/rules.py" in honest
    assert "file_organizer/huge.py" not in mallory  # over the per-file cap
    assert "file_organizer/alias.py" not in mallory  # a link, never followed
    assert f"file_organizer/{EVIL}.py" in mallory  # kept as data, never extracted to disk

    dash = tmp_path / "dash"
    done = cli("cohort", "report", "--cohort", "red-team", "--out", str(dash), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "similar pairs above 60%: 1" in done.stdout  # the same code under two names
    html = (dash / "dashboard.html").read_text()
    assert "<script" not in html and EVIL not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
