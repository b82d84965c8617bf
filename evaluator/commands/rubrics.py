"""``capstone-eval rubrics list | show ID | validate [PATH]``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from evaluator.rubrics.loader import (
    LEVELS_FILE,
    Problem,
    RubricFileError,
    find_rubric,
    load_levels,
    load_rubric,
    rubric_paths,
    rubrics_dir,
)
from evaluator.rubrics.model import MetricCriterion, PresenceCriterion, Rubric


def run_list(*, folder: Path | None) -> int:
    """Print one line per rubric: id, level, criteria (must-pass / weighted), title."""
    for path in rubric_paths(folder or rubrics_dir()):
        rubric = load_rubric(path)
        must = sum(c.must_pass for c in rubric.criteria)
        click.echo(
            f"{rubric.id:<28} level {rubric.level or '-':<10} "
            f"{must:>2} must-pass {len(rubric.criteria) - must:>2} weighted  {rubric.title}"
        )
    return 0


def _rule(criterion: object) -> str:
    if isinstance(criterion, MetricCriterion):
        return criterion.expression
    if isinstance(criterion, PresenceCriterion):
        rules = [f"files {r.glob!r} >= {r.min_count}" for r in criterion.files]
        for p in criterion.patterns:
            bound = f"<= {p.max_count}" if p.max_count is not None else f">= {p.min_count}"
            rules.append(f"/{p.regex}/ in {p.glob!r} {bound}")
        rules.extend(f"code: {r.expression}" for r in criterion.code)
        return "; ".join(rules)
    return "scored 0-4 by the LLM review or a mentor"


def describe(rubric: Rubric) -> str:
    """A human-readable listing of a rubric's criteria."""
    lines = [f"{rubric.id}: {rubric.title}", f"  level: {rubric.level or '-'}"]
    lines.append(f"  weighted criteria must reach {rubric.min_score:.0%} together")
    for c in rubric.criteria:
        mode = "must pass" if c.must_pass else f"weight {c.weight:g}"
        lines.append(f"- {c.id} [{c.kind}, {mode}, {rubric.trust_of(c).value}] {c.title}")
        lines.append(f"    {_rule(c)}")
        lines.append(f"    next step: {c.next_step}")
    return "\n".join(lines)


def run_show(capstone: str, *, folder: Path | None, as_json: bool) -> int:
    """Print a rubric, looked up by full or short id."""
    rubric = find_rubric(capstone, folder)
    if as_json:
        click.echo(json.dumps(rubric.model_dump(mode="json", by_alias=True), indent=2))
    else:
        click.echo(describe(rubric))
    return 0


def _problems(path: Path) -> tuple[list[Problem], set[str]]:
    """Problems of every rubric under ``path`` (a file or a folder) and the valid ids."""
    paths = rubric_paths(path) if path.is_dir() else [path]
    problems: list[Problem] = []
    ids: set[str] = set()
    for rubric_path in paths:
        try:
            ids.add(load_rubric(rubric_path).id)
        except RubricFileError as exc:
            problems.extend(exc.problems)
    return problems, ids


def _level_problems(folder: Path, ids: set[str]) -> list[Problem]:
    path = folder / LEVELS_FILE
    if not path.is_file():
        return []
    try:
        levels = load_levels(path)
    except RubricFileError as exc:
        return exc.problems
    return [
        Problem(path=path, line=None, field=f"levels.{level.id}", message=f"no rubric {ref!r}")
        for level in levels.levels
        for ref in level.requires.rubric_ids()
        if ref not in ids
    ]


def run_validate(path: Path | None) -> int:
    """Validate one rubric file or every file of a folder (and its levels.yaml)."""
    target = path or rubrics_dir()
    if path is not None and path.is_file() and path.name == LEVELS_FILE:
        target = path.parent
    problems, ids = _problems(target)
    if target.is_dir():
        problems.extend(_level_problems(target, ids))
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.secho(f"{len(problems)} problem(s) in {target}", fg="red", err=True)
        return 1
    click.echo(f"ok: {len(ids)} rubric(s) valid in {target}")
    return 0
