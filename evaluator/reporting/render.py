"""Render ``report.json`` as the learner's Markdown comment and the mentor's HTML report."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from evaluator.model.report import Report
from evaluator.model.review import CitedLines
from evaluator.reporting.diff import compare
from evaluator.reporting.mdsafe import clip, md_code, md_text
from evaluator.reporting.messages import messages
from evaluator.reporting.review_view import review_summary
from evaluator.reporting.view import build_view
from evaluator.textsafe import visible

#: GitHub rejects issue and PR comments longer than this many characters.
GITHUB_COMMENT_LIMIT = 65_536
#: (characters of each failure's log, findings listed) tried in turn until the
#: comment fits; the full logs are always in the HTML report and report.json.
_BUDGETS = ((4000, 30), (1500, 15), (400, 5), (0, 0))
_ICON = {
    "graduation-ready": "✅",
    "not-yet": "❌",
    "needs-mentor": "🧑‍🏫",
    "pass": "✅",
    "fail": "❌",
    "error": "⚠️",
}


_INLINE_CODE = re.compile(r"`([^`]+)`")


def _rubric_html(text: str) -> Markup:
    """Rubric text (next steps) with its `inline code` shown as code; escaped first."""
    return Markup(_INLINE_CODE.sub(r"<code>\1</code>", str(escape(text))))  # noqa: S704


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _num(value: float) -> str:
    return f"{value:g}"


def _excerpt(cited: CitedLines) -> str:
    """The cited lines with their numbers, as the model saw them."""
    lines = cited.excerpt.splitlines()
    width = len(str(cited.line_start + len(lines)))
    return "\n".join(
        f"{n:>{width}}| {line}" if line != "…" else line
        for n, line in enumerate(lines, start=cited.line_start)
    )


def _shown(value: Any) -> Any:
    """Every value a template prints: control characters shown, never acted on."""
    if isinstance(value, Markup):  # already escaped HTML: its text still gets the stand-ins
        return Markup(visible(str(value)))  # noqa: S704
    return visible(value) if isinstance(value, str) else value


@cache
def _environment(kind: str) -> Environment:
    env = Environment(
        # One boundary for both reports: whatever a template prints passes `visible`
        # (a log tail or file name with ESC or U+202E reaches neither file raw).
        finalize=_shown,
        loader=PackageLoader("evaluator.reporting", "templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=md_text, code=md_code, clip=clip, rubric_html=_rubric_html)
    env.globals.update(
        pct=_pct, num=_num, icon=_ICON, excerpt=_excerpt, review_summary=review_summary
    )
    return env


def _render(template: str, report: Report, lang: str, **context: Any) -> str:
    env = _environment(template)
    return env.get_template(template).render(
        r=report, v=build_view(report), t=messages(lang), lang=lang, **context
    )


def render_markdown(
    report: Report,
    lang: str = "en",
    *,
    report_url: str | None = None,
    limit: int = GITHUB_COMMENT_LIMIT,
) -> str:
    """The learner's PR comment: verdict first, then failed criteria with next steps.

    Long logs and finding lists are cut until the comment fits in ``limit``
    characters, with a pointer to ``report_url`` (the full report).
    """
    text = ""
    for detail_chars, max_findings in _BUDGETS:
        text = _render(
            "comment.md.j2",
            report,
            lang,
            report_url=report_url,
            detail_chars=detail_chars,
            max_findings=max_findings,
        )
        if len(text) <= limit:
            return text
    # Only a rubric with thousands of criteria gets here; cut and say where the rest is.
    # The cut falls between lines, so no character reference or tag is left half written.
    note = "\n" + messages(lang)("more.truncated") + "\n"
    kept = text[: limit - len(note)]
    return kept[: kept.rfind("\n") + 1] + note


def render_html(report: Report, lang: str = "en", previous: Report | None = None) -> str:
    """The mentor's report: one self-contained HTML file with every criterion and its evidence.

    ``previous`` is the learner's previous attempt at the same capstone; when
    given, a section lists what changed.
    """
    changes = compare(previous, report) if previous is not None else None
    return _render("report.html.j2", report, lang, changes=changes)
