"""Evidence the decision engine consumes besides the checks: presence and judgement.

:func:`gather_presence` is the only function here that reads files: it walks the
workspace once, parses its Python code once when code rules ask, and answers
every presence rule of a rubric with typed evidence, so the decision itself stays
pure and is tested without a file system.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.intake.workspace import workspace_files
from evaluator.pycode.files import Codebase, load_codebase
from evaluator.pycode.reach import reachable
from evaluator.rubrics.code_evidence import CodeEvidence, code_evidence
from evaluator.rubrics.globs import glob_regex
from evaluator.rubrics.model import PresenceCriterion, Rubric
from evaluator.rubrics.rules import FileRule, PatternRule

#: Files larger than this are not searched (data, weights); executed notebooks with
#: embedded plots run to several MiB, so the bound is generous.
MAX_SEARCHED_BYTES = 16 * 1024 * 1024
#: Locations kept per rule: enough to show a mentor where, small enough for the report.
MAX_LOCATIONS = 5


@dataclass(frozen=True, kw_only=True)
class RuleEvidence:
    """What one file or pattern rule found."""

    count: int
    """Matching files (file rule) or matches (pattern rule; distinct texts if asked)."""
    locations: tuple[str, ...] = ()
    """A few ``path`` or ``path:line`` locations of what matched."""


@dataclass(frozen=True, kw_only=True)
class PresenceEvidence:
    """Evidence for the presence criteria of one rubric, by criterion id."""

    files: Mapping[str, tuple[RuleEvidence, ...]] = field(default_factory=dict)
    """Per criterion, one entry per file rule, in rule order."""
    patterns: Mapping[str, tuple[RuleEvidence, ...]] = field(default_factory=dict)
    """Per criterion, one entry per pattern rule, in rule order."""
    code: Mapping[str, tuple[CodeEvidence, ...]] = field(default_factory=dict)
    """Per criterion, one entry per code rule, in rule order."""


@dataclass(frozen=True, kw_only=True)
class JudgementScore:
    """A score on a judgement criterion, as given by the LLM review."""

    level: int
    """Level 0-4 on the criterion's descriptors."""
    justification: str = ""
    citations: tuple[str, ...] = ()
    """``path:line`` citations, already checked against the workspace."""
    proposal_only: str | None = None
    """Why this level is only a proposal for a mentor (no verified citation, samples
    disagree, injection flagged); None when the review decides the criterion."""


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """Everything the decision uses apart from the report's checks."""

    presence: PresenceEvidence = field(default_factory=PresenceEvidence)
    judgements: Mapping[str, JudgementScore] = field(default_factory=dict)
    """LLM scores by criterion id; criteria without one are undecided."""
    unscored: str = "the LLM review did not score it"
    """Why judgement criteria without a score have none (review not run, unavailable)."""


def _matching(files: list[str], glob: str) -> list[str]:
    regex = glob_regex(glob)
    return [f for f in files if regex.match(f)]


def _file_evidence(files: list[str], rule: FileRule) -> RuleEvidence:
    matched = _matching(files, rule.glob)
    return RuleEvidence(count=len(matched), locations=tuple(matched[:MAX_LOCATIONS]))


def _lines(root: Path, relative: str) -> Iterator[tuple[int, str]]:
    path = root / relative
    if path.stat().st_size > MAX_SEARCHED_BYTES:
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    yield from enumerate(text.splitlines(), start=1)


def _pattern_evidence(root: Path, files: list[str], rule: PatternRule) -> RuleEvidence:
    regex = re.compile(rule.regex, re.IGNORECASE if rule.ignore_case else 0)
    count = 0
    distinct: set[str] = set()
    locations: list[str] = []
    for relative in _matching(files, rule.glob):
        for number, line in _lines(root, relative):
            for match in regex.finditer(line):
                text = match.group(0)
                if rule.distinct and text in distinct:
                    continue
                distinct.add(text)
                count += 1
                if len(locations) < MAX_LOCATIONS:
                    locations.append(f"{relative}:{number}")
    return RuleEvidence(count=count, locations=tuple(locations))


def _criteria(rubric: Rubric) -> list[PresenceCriterion]:
    return [c for c in rubric.criteria if isinstance(c, PresenceCriterion)]


def _code(
    codebase: Codebase, criteria: list[PresenceCriterion], entry_points: Sequence[str]
) -> dict[str, tuple[CodeEvidence, ...]]:
    needs_reach = any(r.where == "entry-points" for c in criteria for r in c.code)
    reach = reachable(codebase, list(entry_points)) if needs_reach and entry_points else None
    return {c.id: tuple(code_evidence(codebase, r, reach) for r in c.code) for c in criteria}


def gather_presence(
    workspace: Path,
    rubric: Rubric,
    *,
    entry_points: Sequence[str] = (),
    codebase: Codebase | None = None,
) -> PresenceEvidence:
    """Answer every presence rule of ``rubric`` from the files of ``workspace``.

    ``entry_points`` (``package.module:attribute``, from capstone.yaml) anchor the
    code rules that ask about what the entry points run; ``codebase`` is the
    workspace's parsed Python code when the caller already has it.
    """
    criteria = _criteria(rubric)
    if not criteria:
        return PresenceEvidence()
    files = workspace_files(workspace)
    if any(c.code for c in criteria) and codebase is None:
        codebase = load_codebase(workspace, files)
    return PresenceEvidence(
        files={c.id: tuple(_file_evidence(files, r) for r in c.files) for c in criteria},
        patterns={
            c.id: tuple(_pattern_evidence(workspace, files, r) for r in c.patterns)
            for c in criteria
        },
        code=_code(codebase, criteria, entry_points) if codebase is not None else {},
    )
