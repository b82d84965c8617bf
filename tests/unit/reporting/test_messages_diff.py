"""Message catalogues, the diff against a previous attempt, and report variants."""

from __future__ import annotations

import pytest

from evaluator.errors import SourceError, UsageError
from evaluator.model.report import Verdict
from evaluator.reporting import render_html, render_markdown
from evaluator.reporting.diff import compare
from evaluator.reporting.messages import LANGUAGES, messages
from tests.factories import report
from tests.samples import full_report, previous_attempt


def test_catalogues_have_the_same_keys() -> None:
    english = set(messages("en").table)
    for lang in LANGUAGES:
        assert set(messages(lang).table) == english, lang


def test_unknown_language_and_missing_key() -> None:
    with pytest.raises(UsageError, match="unknown language 'fr'"):
        messages("fr")
    with pytest.raises(KeyError, match=r"heading\.nope"):
        messages("en")("heading.nope")


def test_dutch_report_uses_dutch_messages() -> None:
    assert "Wat je nu moet doen" in render_markdown(full_report(), "nl")
    assert '<html lang="nl">' in render_html(full_report(), "nl")


def test_compare_lists_verdict_criteria_and_metric_changes() -> None:
    changes = {c.name: (c.before, c.after) for c in compare(previous_attempt(), full_report())}
    assert changes["tests.passed"] == ("14", "21")
    assert changes["At least 20 test cases"] == ("fail", "pass")
    assert changes["Error handling quality"] == ("undecided", "pass")
    assert "tests.failed" not in changes
    assert compare(full_report(), full_report()) == []


def test_html_diff_section_only_with_a_previous_attempt() -> None:
    assert 'id="diff"' not in render_html(full_report(), "en")
    same = render_html(full_report(), "en", previous=full_report())
    assert messages("en")("label.no_changes") in same


def test_errored_evaluation_says_why() -> None:
    errored = report().model_copy(update={"verdict": Verdict.ERROR, "error": "engine <down>"})
    comment = render_markdown(errored, "en")
    assert messages("en")("verdict.error") in comment
    assert "engine &lt;down&gt;" in comment
    assert "engine &lt;down&gt;" in render_html(errored, "en")


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_errored_evaluation_gives_the_hint_its_own_line(lang: str) -> None:
    failure = SourceError("there is no folder /gone on this machine", hint="check the path")
    errored = report().model_copy(update={"verdict": Verdict.ERROR, "error": str(failure)})
    t = messages(lang)
    comment = render_markdown(errored, lang)
    assert t("explain.error", error="there is no folder /gone on this machine") in comment
    assert f"\n\n{t('label.what_to_do', hint='check the path')}\n" in comment
    assert "hint:" not in comment
    page = render_html(errored, lang)
    assert f"<p>{t('label.what_to_do', hint='check the path')}</p>" in page
    assert "hint:" not in page


def test_score_with_undecided_criteria_is_a_score_so_far() -> None:
    decided = full_report()
    assert decided.decision is not None
    pending = decided.model_copy(
        update={"decision": decided.decision.model_copy(update={"undecided": ["structure"]})}
    )
    assert "Score so far: " in render_markdown(pending)
    assert "Score so far: " in render_html(pending)
    assert "Score tot nu toe: " in render_markdown(pending, "nl")
    settled = decided.model_copy(
        update={"decision": decided.decision.model_copy(update={"undecided": []})}
    )
    assert "Score so far" not in render_markdown(settled)
