from datetime import UTC, datetime

from evaluator.commands.evaluate import default_out, summary_lines
from evaluator.model.report import (
    CheckResult,
    Finding,
    Report,
    SourceInfo,
    Status,
    Timings,
    Verdict,
    decide_verdict,
    report_json_schema,
)
from evaluator.reporting.files import read_report, write_reports

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def report(checks):
    return Report(
        evaluator_version="0",
        capstone="1.1-file-organizer",
        verdict=decide_verdict(checks),
        source=SourceInfo(kind="path", location="x"),
        timings=Timings(started_at=NOW, finished_at=NOW, total_s=1.0),
        checks=checks,
    )


def test_verdict():
    ok = CheckResult(id="a", status=Status.PASS, summary="")
    skipped = CheckResult(id="b", status=Status.SKIPPED, summary="")
    errored = CheckResult(id="c", status=Status.ERROR, summary="")
    assert decide_verdict([ok, skipped]) is Verdict.PASS
    assert decide_verdict([ok, errored]) is Verdict.FAIL


def test_round_trip(tmp_path):
    original = report([CheckResult(id="lint", status=Status.PASS, summary="0", metrics={"v": 0})])
    paths = write_reports(original, tmp_path / "out" / "report.json")
    assert [p.name for p in paths] == ["report.json", "report.md", "report.html"]
    assert read_report(paths[0]) == original
    assert read_report(tmp_path / "out") == original


def test_written_markdown_escapes_learner_text(tmp_path):
    finding = Finding(path="t.py", line=1, code="test-failure", message="<script>x</script> | y")
    failed = [CheckResult(id="tests", status=Status.FAIL, summary="1 failed", findings=[finding])]
    write_reports(report(failed), tmp_path / "report.json")
    md = (tmp_path / "report.md").read_text()
    assert "t.py:1: &lt;script&gt;x&lt;/script&gt; &#124; y</summary>" in md
    # The raw text appears once, inside a fenced code block, where it is inert.
    assert md.count("<script>") == 1
    assert "```text\n<script>x</script> | y\n```" in md
    assert "Some checks failed" in md.splitlines()[1]


def test_schema_is_published_and_current():
    import json
    from pathlib import Path

    published = Path(__file__).parents[2] / "schemas" / "report.schema.json"
    assert json.loads(published.read_text()) == report_json_schema()


def test_default_out_and_summary():
    assert str(default_out("https://github.com/learner/mnist-mlp.git")) == "reports/mnist-mlp"
    assert str(default_out("git@github.com:learner/x.git")) == "reports/x"
    assert str(default_out("examples/file-organizer/")) == "reports/file-organizer"
    lines = summary_lines(report([CheckResult(id="lint", status=Status.PASS, summary="0")]))
    assert lines[-1] == "verdict: pass (no rubric applied)"


def test_summary_lines_up_the_check_summaries():
    checks = [
        CheckResult(id="lint", status=Status.PASS, summary="0 violations"),
        CheckResult(id="hidden-tests", status=Status.FAIL, summary="1 of 8 failed"),
    ]
    lint, hidden = summary_lines(report(checks))[:2]
    assert lint.index("0 violations") == hidden.index("1 of 8 failed")
