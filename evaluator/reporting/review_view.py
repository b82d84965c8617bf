"""What the reports show of the LLM review: one row per judgement criterion, and links.

Pure: derived from ``report.json`` alone, like the rest of the view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from evaluator.model.criteria import CriterionResult
from evaluator.model.report import Report
from evaluator.model.review import CitedLines, CriterionReview, Review

#: Hosted repositories whose web pages show a file at a commit with a line anchor.
_GITHUB = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")
_GITLAB = re.compile(r"^https://gitlab\.com/([\w./-]+?)(?:\.git)?/?$")


@dataclass(frozen=True, kw_only=True)
class Citation:
    """A verified citation with its anchor in the report and, when hosted, its web page."""

    cited: CitedLines
    anchor: str
    url: str | None

    @property
    def label(self) -> str:
        """``path:12`` or ``path:12-18``."""
        c = self.cited
        lines = f"{c.line_start}" if c.line_start == c.line_end else f"{c.line_start}-{c.line_end}"
        return f"{c.path}:{lines}"


@dataclass(frozen=True, kw_only=True)
class ReviewRow:
    """A judgement criterion with what the review said about it."""

    result: CriterionResult
    review: CriterionReview | None
    citations: list[Citation]


def line_url(report: Report, path: str, start: int, end: int) -> str | None:
    """The web page of ``path`` lines ``start``-``end`` at the evaluated commit, if hosted."""
    source = report.source
    if source.kind != "git" or not source.commit:
        return None
    where = quote(path)
    if match := _GITHUB.match(source.location):
        owner, repo = match.groups()
        return f"https://github.com/{owner}/{repo}/blob/{source.commit}/{where}#L{start}-L{end}"
    if match := _GITLAB.match(source.location):
        return f"https://gitlab.com/{match.group(1)}/-/blob/{source.commit}/{where}#L{start}-{end}"
    return None


def _citations(report: Report, review: CriterionReview) -> list[Citation]:
    return [
        Citation(
            cited=c,
            anchor=f"cite-{review.id}-{n}",
            url=line_url(report, c.path, c.line_start, c.line_end),
        )
        for n, c in enumerate(review.citations, start=1)
    ]


def review_rows(report: Report) -> list[ReviewRow]:
    """One row per judgement criterion of the report, in rubric order."""
    review: Review | None = report.review
    rows = []
    for result in report.criteria:
        if result.kind != "judgement":
            continue
        found = review.criterion(result.id) if review else None
        cites = _citations(report, found) if found else []
        rows.append(ReviewRow(result=result, review=found, citations=cites))
    return rows


def review_summary(review: Review) -> dict[str, object]:
    """Values for the review's status line."""
    decided = sum(1 for c in review.criteria if c.level is not None)
    cached = bool(review.calls) and all(c.cached for c in review.calls)
    return {
        "model": review.model or "-",
        "decided": decided,
        "total": len(review.criteria),
        "tokens": review.prompt_tokens or 0,
        "cost": "?" if review.cost_usd is None else f"${review.cost_usd:.4f}",
        "latency": f"{review.latency_s:.1f}",
        "cached": cached,
        "reason": review.reason or "",
    }
