"""The PR comment fits GitHub's limit and points to the full report when cut."""

from __future__ import annotations

from evaluator.model.report import CheckResult, Finding, Status
from evaluator.reporting import GITHUB_COMMENT_LIMIT, render_markdown
from evaluator.reporting.mdsafe import MAX_TEXT_CHARS, md_text
from evaluator.reporting.messages import messages
from tests.factories import report


def _huge_report(failures: int, detail_chars: int) -> CheckResult:
    findings = [
        Finding(
            path=f"tests/test_{i}.py",
            line=i,
            code="test-failure",
            message=f"test_{i}: boom",
            detail=f"trace {i}\n" + "x" * detail_chars,
        )
        for i in range(failures)
    ]
    return CheckResult(
        id="tests", status=Status.FAIL, summary=f"{failures} failed", findings=findings
    )


def test_long_logs_are_cut_to_fit_with_a_pointer() -> None:
    big = report(_huge_report(failures=400, detail_chars=20_000))
    comment = render_markdown(big, "en", report_url="https://ci.example/r/9")
    assert len(comment) <= GITHUB_COMMENT_LIMIT
    assert messages("en")("more.truncated") in comment
    shown = comment.count("<details>")
    assert 0 < shown < 400
    assert messages("en")("more.findings", count=400 - shown) in comment
    assert "https://ci.example/r/9" in comment
    # The tail of each log is kept: that is where the assertion error is.
    assert "trace 0" not in comment


def test_small_comment_is_not_cut() -> None:
    small = report(_huge_report(failures=2, detail_chars=100))
    comment = render_markdown(small, "en")
    assert messages("en")("more.truncated") not in comment
    assert comment.count("<details>") == 2


def test_tight_limit_drops_logs_then_cuts_with_a_note() -> None:
    big = report(_huge_report(failures=50, detail_chars=500))
    fits = render_markdown(big, "nl", limit=900)
    assert len(fits) <= 900
    assert "<details>" not in fits
    assert "| tests |" in fits
    cut = render_markdown(big, "nl", limit=300)
    assert len(cut) <= 300
    assert cut.rstrip().endswith(messages("nl")("more.truncated"))


def test_learner_text_that_grows_when_escaped_still_fits() -> None:
    """Every '#' becomes twelve characters: 150 checks whose summaries are all '#' would
    make a comment of millions; each value is cut, and the comment cut between lines."""
    hostile = [CheckResult(id=f"c{i}", status=Status.FAIL, summary="#@<" * 20_000)
               for i in range(150)]  # fmt: skip
    comment = render_markdown(report(*hostile), "en")
    assert len(comment) <= GITHUB_COMMENT_LIMIT
    note = messages("en")("more.truncated")
    assert comment.endswith(f"\n{note}\n")
    # The last row shown is whole: no half character reference or tag.
    assert comment.removesuffix(f"\n{note}\n").endswith("… |\n")
    assert comment.startswith("<!-- capstone-evaluator:comment -->\n## ")


def test_one_learner_value_is_cut_short() -> None:
    long = md_text("x" * 5_000)
    assert long == "x" * (MAX_TEXT_CHARS - 1) + "…"
    assert md_text("x" * MAX_TEXT_CHARS) == "x" * MAX_TEXT_CHARS  # the honest twin: kept whole
