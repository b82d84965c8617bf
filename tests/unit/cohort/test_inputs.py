"""Roster validation, learner identity, the review cost in report.json, the LMS export and
the dashboard's message catalogues."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evaluator.cohort.export import lms_rows
from evaluator.cohort.roster import RosterError, parse_roster
from evaluator.store.identity import learner_from_source
from evaluator.store.records import llm_usage
from tests.cohort_generator import generate

CAPSTONES = ["1.1-file-organizer", "3.1-mnist-mlp"]


def _parse(text: str, tmp_path: Path):
    (tmp_path / "alice").mkdir()
    return parse_roster(text, tmp_path / "roster.csv", capstones=CAPSTONES)


def test_roster_lists_every_problem_with_its_line(tmp_path: Path) -> None:
    text = (
        "learner,repo_url,ref,capstone,cohort\n"
        "alice,alice,,1.1,spring\n"  # a local folder next to the roster, short capstone id
        "bob,https://github.com/bob/organizer,main,9.9-nope,spring\n"
        "alice,https://github.com/alice/other,,1.1-file-organizer,spring\n"
        "cem,htps://github.com/cem/x,,1.1,spring\n"
        "dee,https://github.com/dee/x,--upload-pack=evil,3.1,spring\n"
        ",https:///nohost,,3.1,\n"
        "eve,missing-folder,,3.1,\n"
    )
    with pytest.raises(RosterError) as caught:
        _parse(text, tmp_path)
    problems = caught.value.problems
    where = str(tmp_path / "roster.csv")
    assert problems == [
        f"{where}:3: unknown capstone '9.9-nope' (see `capstone-eval rubrics list`)",
        f"{where}:4: learner 'alice' is listed for 1.1-file-organizer already on line 2",
        f"{where}:5: malformed URL 'htps://github.com/cem/x': scheme 'htps' is not one of "
        "['file', 'git', 'http', 'https', 'ssh']",
        f"{where}:6: --ref '--upload-pack=evil' is not a valid branch, tag or commit name",
        f"{where}:7: empty learner",
        f"{where}:7: malformed URL 'https:///nohost': no host",
        f"{where}:8: no such folder 'missing-folder' (and not a git URL)",
    ]


def test_valid_roster(tmp_path: Path) -> None:
    text = "Learner,Repo,Ref,Capstone\nalice,alice,,1.1\nbob,git@github.com:bob/mnist.git,v2,3.1\n"
    entries = _parse(text, tmp_path)
    assert [(e.learner, e.capstone, e.ref, e.cohort) for e in entries] == [
        ("alice", "1.1-file-organizer", None, None),
        ("bob", "3.1-mnist-mlp", "v2", None),
    ]
    assert entries[0].repo == str(tmp_path / "alice")


def test_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="missing column") as caught:
        _parse("name,url\nx,y\n", tmp_path)
    assert caught.value.message.startswith(
        f"{tmp_path / 'roster.csv'}: 1 problem(s) in the roster:"
    )
    assert "learner, repo, ref, capstone" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("source", "learner"),
    [
        ("https://github.com/Alice/organizer", "alice"),
        ("https://github.com/alice/organizer.git/", "alice"),
        ("git@github.com:bob/mnist.git", "bob"),
        ("ssh://git@gitlab.example.org/group/cem/capstone", "cem"),
        ("file:///srv/repos/dee-capstone.git", "dee-capstone"),
        ("/home/eve/capstones/organizer", "organizer"),
        ("examples/file-organizer", "file-organizer"),
    ],
)
def test_learner_from_source(source: str, learner: str) -> None:
    assert learner_from_source(source) == learner


@pytest.mark.parametrize(
    ("review", "expected"),
    [
        ({"model": "m", "cost_usd": 0.5, "tokens": {"input": 10, "output": 5}}, ("m", 15, 0.5)),
        ({"usage": {"input_tokens": 7, "output_tokens": 3, "cost": 0.1}}, (None, 10, 0.1)),
        ({"status": "not-run", "reason": "no model configured"}, (None, None, None)),
        ("garbage", (None, None, None)),
        ({"cost_usd": "free", "tokens": "many"}, (None, None, None)),
    ],
)
def test_llm_usage_is_read_defensively(review: object, expected: tuple) -> None:
    usage = llm_usage({"review": review})
    assert (usage.model, usage.tokens, usage.cost_usd) == expected


def test_lms_rows_one_per_learner_and_capstone() -> None:
    cohort = generate(learners=40, seed=11)
    rows = lms_rows(cohort.frames())
    pairs = {(e.learner, e.capstone) for e in cohort.evaluations if e.ran}
    assert len(rows) == len(pairs)
    for row in rows.itertuples():
        mine = sorted(
            (
                e
                for e in cohort.evaluations
                if e.ran and (e.learner, e.capstone) == (row.learner, row.capstone)
            ),
            key=lambda e: e.at,
        )
        ready = [e for e in mine if e.verdict == "graduation-ready"]
        shown = ready[0] if ready else mine[-1]
        assert (row.verdict, row.date, row.attempts) == (
            shown.verdict,
            shown.at.strftime("%Y-%m-%d"),
            len(mine),
        )


def test_dashboard_catalogues_have_the_same_keys() -> None:
    folder = Path(__file__).resolve().parents[3] / "evaluator" / "cohort" / "messages"
    en = yaml.safe_load((folder / "en.yaml").read_text())
    nl = yaml.safe_load((folder / "nl.yaml").read_text())
    assert set(en) == set(nl)


def test_an_empty_store_renders_an_empty_dashboard() -> None:
    from evaluator.cohort import frames as shapes
    from evaluator.cohort.dashboard import render_dashboard
    from evaluator.cohort.view import build_view
    from tests.cohort_generator import LEVELS, NOW

    empty = shapes.normalise(
        shapes.CohortFrames(
            evaluations=shapes.empty(shapes.EVALUATION_COLUMNS),
            criteria=shapes.empty(shapes.CRITERION_COLUMNS),
            metrics=shapes.empty(shapes.METRIC_COLUMNS),
            overrides=shapes.empty(shapes.OVERRIDE_COLUMNS),
            thresholds=shapes.empty(shapes.THRESHOLD_COLUMNS),
        )
    )
    view = build_view(
        empty, levels=LEVELS, cohort=None, now=NOW, similarity=[], similarity_threshold=0.6
    )
    assert [k.value for k in view.kpis] == [None, None, None]
    html = render_dashboard(view, "nl")
    assert "Nog geen evaluaties opgeslagen." in html and "<img" not in html
