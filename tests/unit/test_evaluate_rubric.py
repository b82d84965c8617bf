"""The rubric step of ``evaluate``: picking the rubric, the summary, exit codes, earlier attempts."""

from __future__ import annotations

import pytest

from evaluator.commands.evaluate import exit_code, keep_previous, summary_lines
from evaluator.intake.manifest import Manifest
from evaluator.model.criteria import Decision, GraduationVerdict
from evaluator.model.report import SourceInfo, Status, Verdict
from evaluator.reporting.files import REPORT_JSON, REPORT_PREVIOUS, read_report
from evaluator.rubrics.choice import RUBRIC_CHECK, UnknownCapstone, choose_capstone
from evaluator.rubrics.loader import rubrics_dir
from tests.factories import check, report
from tests.samples import full_report, previous_attempt


@pytest.mark.parametrize("capstone", ["1.1", "1.1-file-organizer"])
def test_pick_rubric_by_full_or_short_id(capstone):
    choice = choose_capstone(capstone, None, rubrics_dir())
    assert choice.rubric is not None
    assert choice.rubric.id == "1.1-file-organizer"
    assert choice.findings == ()


def test_no_capstone_id_is_a_skipped_rubric_check():
    choice = choose_capstone(None, None, rubrics_dir())
    assert choice.rubric is None
    assert choice.check is not None
    assert (choice.check.id, choice.check.status) == (RUBRIC_CHECK, Status.SKIPPED)
    assert "capstone.yaml" in choice.check.summary


@pytest.mark.parametrize("pinned", [None, "7.7-unknown"])
def test_unknown_capstone_is_an_error_naming_the_known_ones(pinned):
    manifest = Manifest(capstone="7.7-unknown")
    with pytest.raises(UnknownCapstone) as raised:
        choose_capstone(pinned, manifest, rubrics_dir())
    assert "capstone '7.7-unknown' is not one this evaluator grades" in raised.value.message
    assert "known capstones: 1.1-file-organizer, 1.2-statistical-dashboard" in raised.value.message
    assert raised.value.exit_code == 2


def test_a_pinned_capstone_wins_over_the_manifest_and_the_mismatch_is_flagged():
    manifest = Manifest(capstone="3.1-mnist-mlp", source=["mnist_mlp"])
    choice = choose_capstone("1.1", manifest, rubrics_dir(), manifest_line=2)
    assert choice.rubric is not None and choice.rubric.id == "1.1-file-organizer"
    assert choice.capstone == "1.1"
    assert choice.manifest is not None and choice.manifest.capstone == "1.1"
    assert choice.manifest.source == ["mnist_mlp"]
    [flag] = choice.findings
    assert (flag.code, flag.path, flag.line) == ("integrity/capstone-mismatch", "capstone.yaml", 2)
    assert "names '3.1-mnist-mlp' but this evaluation grades '1.1'" in flag.message


def test_a_pin_that_names_the_same_rubric_is_no_mismatch():
    choice = choose_capstone("1.1", Manifest(capstone="1.1-file-organizer"), rubrics_dir())
    assert choice.findings == ()
    assert choice.manifest is not None and choice.manifest.capstone == "1.1-file-organizer"


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
