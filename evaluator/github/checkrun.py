"""What the check run says, from ``report.json`` (pure): conclusion, title, annotations.

GitHub takes at most 50 annotations per request; :func:`batches` cuts them so
the publisher sends one update per batch (the last one completes the run).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evaluator.model.report import Finding, Report
from evaluator.reporting.messages import messages
from evaluator.reporting.view import build_view
from evaluator.textsafe import visible

#: GitHub's limit of annotations in one create/update request.
ANNOTATIONS_PER_REQUEST = 50
#: Annotations sent at most (5 requests); the rest are in the report.
MAX_ANNOTATIONS = 250
#: Check-run output fields are cut by GitHub past this many characters.
OUTPUT_LIMIT = 65_535
#: GitHub refuses an annotation whose message passes 64 KB (bytes, not characters), and
#: with it the whole request: one learner's long message must not cost every annotation.
MESSAGE_BYTES = 60_000

_CONCLUSION = {
    "graduation-ready": "success",
    "pass": "success",
    "needs-mentor": "neutral",
    "not-yet": "failure",
    "fail": "failure",
    "error": "failure",
}


def conclusion(report: Report) -> str:
    """The check run's conclusion: success, neutral (a mentor decides) or failure."""
    return _CONCLUSION[build_view(report).verdict]


def title(report: Report, lang: str = "en") -> str:
    """One line for the check run: the verdict, and the score when there is one."""
    t = messages(lang)
    text = t(f"verdict.{build_view(report).verdict}")
    decision = report.decision
    if decision is not None and decision.score is not None:
        text += f" ({decision.score:.0%})"
    return text[:255]


def _message(text: str) -> str:
    """Learner text as an annotation message: controls shown, cut to ``MESSAGE_BYTES``."""
    encoded = visible(text).encode("utf-8")
    if len(encoded) <= MESSAGE_BYTES:
        return encoded.decode("utf-8")
    return encoded[:MESSAGE_BYTES].decode("utf-8", errors="ignore") + "…"


def _annotation(finding: Finding, level: str) -> dict[str, Any]:
    line = max(finding.line or 1, 1)
    note: dict[str, Any] = {
        # The path stays as it is: GitHub places the annotation on that very file.
        "path": finding.path,
        "start_line": line,
        "end_line": line,
        "annotation_level": level,
        "title": visible(finding.code, multiline=False)[:255],
        "message": _message(finding.detail or finding.message) or finding.code,
    }
    if finding.column:
        note["start_column"] = note["end_column"] = finding.column
    return note


def check_annotations(report: Report) -> list[dict[str, Any]]:
    """Failing tests (failure) then lint findings (warning), as check-run annotations."""
    view = build_view(report)
    notes = [_annotation(f, "failure") for f in view.test_failures]
    notes += [_annotation(f, "warning") for f in view.lint_findings]
    return notes[:MAX_ANNOTATIONS]


def batches(notes: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """``notes`` in requests of at most 50; always one batch (maybe empty)."""
    size = ANNOTATIONS_PER_REQUEST
    return [list(notes[i : i + size]) for i in range(0, len(notes), size)] or [[]]
