"""The review prompt, assembled from package-data templates within a token budget.

Learner files enter in priority order (the pull-request diff first, then README, the
manifest, the modules the manifest names, tests, notebooks, other code, docs) until the
budget is spent; each is shown with line numbers inside a block whose boundary is random
per request. The cache key hashes the prompt with the boundary masked, so an answer is
reused for the same model and content while every request sent has a fresh boundary.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from evaluator.model.report import CheckResult
from evaluator.model.review import ReviewedFile, SkippedFile
from evaluator.review.answer import response_schema
from evaluator.review.grounding import evidence_text
from evaluator.review.sources import LearnerFile
from evaluator.rubrics.model import JudgementCriterion, Rubric

TokenCounter = Callable[[str], int]
#: The boundary written into the text that is hashed for the cache key.
MASK = "BOUNDARY"
#: Tokens kept free for the chat format's own overhead (roles, separators).
_OVERHEAD = 200
#: A file that does not fit whole is shown truncated only if this many tokens are left.
_MIN_PARTIAL = 600


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("evaluator.review", "prompts"),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701  (plain-text prompts, not HTML)
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    """Render one prompt template (``system.j2``, ``review.j2``, ``correction.j2``)."""
    return _templates().get_template(template).render(**context)


def new_boundary(texts: Sequence[str]) -> str:
    """A random boundary that occurs in none of ``texts``."""
    while True:
        boundary = f"UNTRUSTED-{secrets.token_hex(12)}"
        if not any(boundary in text for text in texts):
            return boundary


@dataclass(frozen=True, kw_only=True)
class ShownFile:
    """A file block of the prompt."""

    path: str
    numbered: str
    total: int
    shown: int
    tokens: int

    @property
    def truncated(self) -> bool:
        """Only the first lines are shown."""
        return self.shown < self.total


@dataclass(frozen=True, kw_only=True)
class ShownDiff:
    """The diff block of the prompt."""

    text: str
    truncated: bool


@dataclass(frozen=True, kw_only=True)
class ReviewQuestion:
    """What the review asks about."""

    rubric: Rubric
    criteria: list[JudgementCriterion]
    checks: Sequence[CheckResult]
    files: Sequence[LearnerFile]
    diff: str | None = None

    @property
    def levels(self) -> dict[str, set[int]]:
        """Allowed levels per criterion id."""
        return {c.id: set(c.levels) for c in self.criteria}


@dataclass(frozen=True, kw_only=True)
class Prompt:
    """The messages of one review request and what they hold."""

    system: str
    user: str
    prompt_hash: str
    shown: list[ReviewedFile]
    skipped: list[SkippedFile]
    diff: bool
    boundary: str

    def messages(self) -> list[dict[str, str]]:
        """Chat messages for the model."""
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


def numbered(lines: Sequence[str]) -> str:
    """Lines with their 1-based numbers in a left margin, as citations refer to them."""
    width = max(3, len(str(len(lines))))
    return "\n".join(f"{n:>{width}}| {line}" for n, line in enumerate(lines, start=1))


def _fit(file: LearnerFile, count: TokenCounter, budget: int) -> ShownFile | None:
    lines = file.text.splitlines()
    whole = numbered(lines)
    tokens = count(whole)
    if tokens <= budget:
        return ShownFile(
            path=file.path, numbered=whole, total=len(lines), shown=len(lines), tokens=tokens
        )
    if budget < _MIN_PARTIAL:
        return None
    keep = int(len(lines) * budget / tokens * 0.9)
    while keep > 0:
        part = numbered(lines[:keep])
        used = count(part)
        if used <= budget:
            return ShownFile(
                path=file.path, numbered=part, total=len(lines), shown=keep, tokens=used
            )
        keep = int(keep * 0.8)
    return None


def _fit_diff(diff: str, count: TokenCounter, budget: int) -> ShownDiff | None:
    if count(diff) <= budget:
        return ShownDiff(text=diff, truncated=False)
    lines = diff.splitlines()
    keep = len(lines)
    while keep > 0:
        keep = int(keep * 0.8)
        part = "\n".join(lines[:keep])
        if count(part) <= budget:
            return ShownDiff(text=part, truncated=True)
    return None


def _context(question: ReviewQuestion, boundary: str) -> dict[str, Any]:
    return {
        "boundary": boundary,
        "rubric": question.rubric,
        "criteria": question.criteria,
        "evidence": evidence_text(question.checks, question.rubric),
    }


def _select(
    question: ReviewQuestion, count: TokenCounter, budget: int
) -> tuple[ShownDiff | None, list[ShownFile], list[SkippedFile]]:
    diff = None
    if question.diff:
        diff = _fit_diff(question.diff, count, budget // 2)
        budget -= count(diff.text) if diff else 0
    shown: list[ShownFile] = []
    skipped: list[SkippedFile] = []
    for file in question.files:
        block = _fit(file, count, budget - 40)  # 40: the block's boundary lines
        if block is None:
            skipped.append(SkippedFile(path=file.path, reason="over the token budget"))
            continue
        shown.append(block)
        budget -= block.tokens + 40
    return diff, shown, skipped


def build_prompt(question: ReviewQuestion, count: TokenCounter, max_tokens: int) -> Prompt:
    """The prompt within ``max_tokens`` (counted with ``count``), with a fresh boundary."""
    schema = json.dumps(response_schema(question.levels), indent=1)
    empty = {**_context(question, MASK), "diff": None, "files": [], "not_shown": []}
    fixed = count(render("system.j2", boundary=MASK, schema=schema)) + count(
        render("review.j2", **empty)
    )
    diff, shown, skipped = _select(question, count, max_tokens - fixed - _OVERHEAD)

    def messages(boundary: str) -> tuple[str, str]:
        context = {
            **_context(question, boundary),
            "diff": diff,
            "files": shown,
            "not_shown": [s.path for s in skipped],
        }
        return render("system.j2", boundary=boundary, schema=schema), render("review.j2", **context)

    masked = messages(MASK)
    boundary = new_boundary([f.text for f in question.files] + [question.diff or "", masked[1]])
    system, user = messages(boundary)
    return Prompt(
        system=system,
        user=user,
        prompt_hash=hashlib.sha256("\0".join(masked).encode()).hexdigest(),
        shown=[ReviewedFile(path=f.path, tokens=f.tokens, truncated=f.truncated) for f in shown],
        skipped=skipped,
        diff=diff is not None,
        boundary=boundary,
    )
