"""A compact Markdown rendering of a report (the learner's view, checks only)."""

from __future__ import annotations

from evaluator.report.model import Report, Status

ICONS = {Status.PASS: "✅", Status.FAIL: "❌", Status.ERROR: "⚠️", Status.SKIPPED: "⏭️"}
MAX_FINDINGS = 20


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def render_markdown(report: Report) -> str:
    """Verdict first, then one line per check, then the findings of failed checks."""
    capstone = report.capstone or "unknown capstone"
    lines = [f"## Capstone evaluation: {_cell(capstone)} — **{report.verdict.value.upper()}**", ""]
    if report.error:
        lines += [f"The evaluation could not run: {_cell(report.error)}", ""]
    commit = f" at `{report.source.commit[:12]}`" if report.source.commit else ""
    lines += [f"Source: `{_cell(report.source.location)}`{commit}", ""]
    if report.checks:
        lines += ["| check | status | summary |", "| --- | --- | --- |"]
        lines += [
            f"| {c.id} | {ICONS[c.status]} {c.status.value} | {_cell(c.summary)} |"
            for c in report.checks
        ]
        lines.append("")
    for check in report.checks:
        if check.status not in (Status.FAIL, Status.ERROR) or not check.findings:
            continue
        lines += [f"### {check.id}", ""]
        for finding in check.findings[:MAX_FINDINGS]:
            where = f"{finding.path}:{finding.line}" if finding.line else finding.path
            lines.append(f"- `{_cell(where)}` {_cell(finding.code)}: {_cell(finding.message)}")
        if len(check.findings) > MAX_FINDINGS:
            lines.append(f"- … and {len(check.findings) - MAX_FINDINGS} more in report.json")
        lines.append("")
    return "\n".join(lines)
