"""``cohort import`` and ``cohort report`` as a user runs them, and the dashboard in headless
Chromium (screenshot, no console errors)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from evaluator.store.database import open_store
from evaluator.store.sources import archive_sources
from tests.cohort_generator import generate, records
from tests.conftest import write_tree
from tests.integration import test_html_browser as browser
from tests.integration.test_cli import cli
from tests.samples import full_report
from tests.unit.cohort import test_similarity as code

chromium = browser.chromium  # the fixture that finds headless Chromium (or skips)


@pytest.fixture(scope="module")
def store_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A store holding a generated cohort, with the sources of three learners' submissions."""
    root = tmp_path_factory.mktemp("cohort")
    url = f"sqlite:///{root / 'results.sqlite'}"
    cohort = generate(learners=60, seed=3)
    recs = records(cohort)
    latest = {}
    for rec in recs:
        row = rec.evaluation
        if row["cohort"] == "2026-spring" and row["capstone"] == "c1-basics":
            latest[row["learner"]] = rec.run_key
    chosen = dict(
        zip(sorted(latest)[:3], (code.ORIGINAL, code.RENAMED, code.INDEPENDENT_A), strict=True)
    )
    bodies = {latest[learner]: body for learner, body in chosen.items()}
    archives = []
    for rec in recs:
        body = bodies.get(rec.run_key)
        if body is None:
            archives.append(None)
            continue
        folder = write_tree(
            root / rec.run_key, {"organizer/cli.py": code.STARTER, "organizer/core.py": body}
        )
        archives.append(archive_sources(folder))
    open_store(url).add_many(recs, sources=archives)
    write_tree(root / "starter", {"organizer/cli.py": code.STARTER})
    return {
        "CAPSTONE_EVAL_DATABASE_URL": url,
        "STARTER": str(root / "starter"),
        "PAIR": ",".join(sorted(chosen)[:2]),
    }


def test_report_writes_dashboard_and_lms_csv(store_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "dash"
    done = cli(
        "cohort", "report", "--cohort", "2026-spring", "--out", str(out), "--lang", "nl",
        "--starter", f"c1-basics={store_env['STARTER']}", env=store_env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "similar pairs above 60%: 1" in done.stdout
    html = (out / "dashboard.html").read_text()
    assert "Cohortdashboard: 2026-spring" in html
    assert html.count('<img class="plot"') >= 3
    assert "<script" not in html
    left, right = store_env["PAIR"].split(",")
    assert f"<strong>{left}</strong>" in html and f"<strong>{right}</strong>" in html
    with (out / "lms-results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows and set(rows[0]) == {
        "learner",
        "cohort",
        "capstone",
        "level",
        "verdict",
        "score",
        "date",
        "attempts",
    }
    assert {r["cohort"] for r in rows} == {"2026-spring"}
    assert len({(r["learner"], r["capstone"]) for r in rows}) == len(rows)


def test_unknown_cohort_is_a_clear_error(store_env: dict[str, str], tmp_path: Path) -> None:
    done = cli("cohort", "report", "--cohort", "nope", "--out", str(tmp_path), env=store_env)
    assert done.returncode == 2
    assert "no evaluations of cohort 'nope'" in done.stderr


def test_import_maps_learners_with_the_roster(tmp_path: Path) -> None:
    env = {"CAPSTONE_EVAL_DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite'}"}
    report = full_report()
    write_tree(
        tmp_path / "reports", {"ada/report.json": report.model_dump_json(), "bad/report.json": "{"}
    )
    roster = tmp_path / "roster.csv"
    roster.write_text(
        f"learner,repo,ref,capstone,cohort\nada,{report.source.location},,1.1,autumn\n"
    )
    done = cli("cohort", "import", str(tmp_path / "reports"), "--roster", str(roster), env=env)
    assert done.returncode == 1  # one unreadable report: listed, the rest stored
    assert "1 stored, 0 updated, 1 skipped" in done.stdout
    assert "bad/report.json" in done.stderr
    frames = open_store(env["CAPSTONE_EVAL_DATABASE_URL"]).frames()
    assert frames.evaluations[["learner", "cohort"]].values.tolist() == [["ada", "autumn"]]
    again = cli("cohort", "import", str(tmp_path / "reports" / "ada"), env=env)
    assert "0 stored, 1 updated" in again.stdout
    assert json.loads(open_store(env["CAPSTONE_EVAL_DATABASE_URL"]).report_text(1) or "{}")[
        "capstone"
    ]
    assert open_store(env["CAPSTONE_EVAL_DATABASE_URL"]).frames().evaluations.cohort.tolist() == [
        "autumn"
    ]


@pytest.mark.browser
def test_dashboard_renders_without_console_errors(
    chromium: str,
    store_env: dict[str, str],
    tmp_path: Path,
) -> None:
    out = tmp_path / "dash"
    done = cli("cohort", "report", "--out", str(out), env=store_env)
    assert done.returncode == 0, done.stderr
    shot, console = browser._open(chromium, out / "dashboard.html", tmp_path)
    assert console == []
    assert browser._png_size(shot)[0] == 1280
    assert shot.stat().st_size > 50_000  # plots and tables, not a blank page
