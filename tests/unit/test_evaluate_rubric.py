"""The rubric step of ``evaluate``: picking the rubric, the summary, exit codes, earlier attempts."""

from __future__ import annotations

import pytest

from evaluator.commands.evaluate import exit_code, keep_previous, summary_lines
from evaluator.model.criteria import Decision, GraduationVerdict
from evaluator.model.report import CheckResult, SourceInfo, Status, Verdict
from evaluator.pipeline import RUBRIC_CHECK, pick_rubric
from evaluator.reporting.files import REPORT_JSON, REPORT_PREVIOUS, read_report
from evaluator.rubrics.loader import rubrics_dir
from evaluator.rubrics.model import Rubric
from tests.factories import check, report
from tests.samples import full_report, previous_attempt


@pytest.mark.parametrize("capstone", ["1.1", "1.1-file-organizer"])
def test_pick_rubric_by_full_or_short_id(capstone):
    picked = pick_rubric(capstone, rubrics_dir())
    assert isinstance(picked, Rubric)
    assert picked.id == "1.1-file-organizer"


def test_no_capstone_id_is_a_skipped_rubric_check():
    picked = pick_rubric(None, rubrics_dir())
    assert isinstance(picked, CheckResult)
    assert (picked.id, picked.status) == (RUBRIC_CHECK, Status.SKIPPED)
    assert "capstone.yaml" in picked.summary


def test_unknown_capstone_is_a_skipped_rubric_check(tmp_path):
    picked = pick_rubric("7.7-unknown", rubrics_dir())
    assert isinstance(picked, CheckResult)
    assert picked.status is Status.SKIPPED
    assert "no rubric for capstone '7.7-unknown'" in picked.summary


def _with(verdict: GraduationVerdict):
    decided = full_report()
    assert decided.decision is not None
    return decided.model_copy(
        update={"decision": decided.decision.model_copy(update={"verdict": verdict})}
    )


def test_exit_code_follows_the_rubric_verdict():
    assert exit_code(_with(GraduationVerdict.READY)) == 0
    assert exit_code(_with(GraduationVerdict.NOT_YET)) == 1
    assert exit_code(_with(GraduationVerdict.NEEDS_MENTOR)) == 1


def test_exit_code_without_a_rubric_follows_the_checks():
    assert exit_code(report(check("lint"))) == 0
    failed = report(check("tests", Status.FAIL)).model_copy(update={"verdict": Verdict.FAIL})
    assert exit_code(failed) == 1
    errored = report().model_copy(update={"verdict": Verdict.ERROR})
    assert exit_code(errored) == 2


def test_exit_code_ready_rubric_but_failed_checks_is_still_ready():
    # The rubric decides what a failed check means (a failing test may be within budget).
    ready = _with(GraduationVerdict.READY).model_copy(update={"verdict": Verdict.FAIL})
    assert exit_code(ready) == 0


def test_summary_shows_the_rubric_verdict_and_what_is_not_met():
    lines = summary_lines(full_report())
    assert lines[-1] == "verdict: not-yet"
    assert any(line.startswith("rubric: 1.1-file-organizer, score ") for line in lines)
    assert any(
        line.startswith("  not met:   tests-pass (self-reported): Run `pytest`") for line in lines
    )


def test_summary_lists_undecided_criteria():
    decided = full_report()
    assert decided.decision is not None
    pending = decided.model_copy(
        update={
            "decision": Decision(
                verdict=GraduationVerdict.NEEDS_MENTOR, score=None, min_score=0.6,
                undecided=["structure"],
            )
        }
    )  # fmt: skip
    lines = summary_lines(pending)
    assert lines[-1] == "verdict: needs-mentor"
    assert any(line.startswith("  undecided: structure (llm)") for line in lines)
    assert not any("not met" in line for line in lines)


def test_earlier_attempt_of_the_same_submission_is_kept(tmp_path):
    earlier = previous_attempt()
    (tmp_path / REPORT_JSON).write_text(earlier.model_dump_json())
    assert keep_previous(tmp_path, full_report()) == earlier
    assert not (tmp_path / REPORT_JSON).exists()
    assert read_report(tmp_path / REPORT_PREVIOUS) == earlier


def test_other_submission_or_error_report_is_not_an_earlier_attempt(tmp_path):
    other = previous_attempt().model_copy(
        update={"source": SourceInfo(kind="path", location="elsewhere")}
    )
    (tmp_path / REPORT_JSON).write_text(other.model_dump_json())
    assert keep_previous(tmp_path, full_report()) is None
    errored = previous_attempt().model_copy(update={"verdict": Verdict.ERROR})
    (tmp_path / REPORT_JSON).write_text(errored.model_dump_json())
    assert keep_previous(tmp_path, full_report()) is None
    (tmp_path / REPORT_JSON).write_text("{not json")
    assert keep_previous(tmp_path, full_report()) is None
    assert (tmp_path / REPORT_JSON).exists()
    assert not (tmp_path / REPORT_PREVIOUS).exists()


def test_no_earlier_report(tmp_path):
    assert keep_previous(tmp_path, full_report()) is None
