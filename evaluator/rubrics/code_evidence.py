"""Answer the ``code`` rules of presence criteria from the workspace's syntax trees.

Pure given a parsed :class:`~evaluator.pycode.files.Codebase` and what the entry
points reach; :func:`~evaluator.rubrics.evidence.gather_presence` parses the
workspace once and calls :func:`code_evidence` for every rule.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from evaluator.pycode.facts import (
    Fact,
    calls,
    catches,
    defines_something,
    definitions,
    imports,
    matches,
    star_may_match,
    uses,
)
from evaluator.pycode.files import Codebase, PyFile, is_test_file
from evaluator.pycode.reach import Reach
from evaluator.rubrics.globs import glob_regex
from evaluator.rubrics.rules import CodeRule

#: Locations kept per rule.
MAX_LOCATIONS = 5
NO_ENTRY_POINTS = "capstone.yaml names no benchmark entry points: all code was searched"


@dataclass(frozen=True, kw_only=True)
class CodeEvidence:
    """What one code rule found."""

    count: int
    locations: tuple[str, ...] = ()
    note: str = ""
    """Why the search differs from what the rule asks (no entry points to start from)."""


def _selected(codebase: Codebase, rule: CodeRule) -> list[PyFile]:
    glob = glob_regex(rule.glob)
    return [
        u for u in codebase.units if glob.match(u.path) and (rule.tests or not is_test_file(u.path))
    ]


def _scopes(units: list[PyFile], reach: Reach | None) -> Iterator[tuple[PyFile, list[ast.stmt]]]:
    """The statements searched: whole units, or only what the entry points run."""
    if reach is None:
        yield from ((u, list(u.tree.body)) for u in units)
        return
    chosen = {id(u) for u in units}
    yield from ((u, stmts) for u, stmts in reach.statements_of(units) if id(u) in chosen)


def _definitions(units: list[PyFile], rule: CodeRule, reach: Reach | None) -> Iterator[Fact]:
    kind = rule.defines or "module"
    for unit in units:
        if kind == "module":
            reached = reach is None or unit.module in reach.modules
            if unit.cell is None and reached and defines_something(unit):
                yield Fact(name=unit.module or unit.path, where=unit.path)
            continue
        for node, fact in definitions(unit, kind):
            if reach is None or reach.runs(node):
                yield fact


def _facts(units: list[PyFile], rule: CodeRule, reach: Reach | None) -> Iterator[Fact]:
    if rule.fact == "defines":
        yield from _definitions(units, rule, reach)
        return
    for unit, statements in _scopes(units, reach):
        names = unit.names
        if rule.fact == "imports":
            yield from imports(unit, names, statements)
        elif rule.fact == "calls":
            yield from calls(unit, names, statements)
        elif rule.fact == "catches":
            yield from catches(unit, statements)
        else:
            yield from uses(unit, names, statements)


def _counted(rule: CodeRule, fact: Fact) -> str | None:
    """The name ``fact`` counts under (for distinct counting), or None when it does not."""
    prefix = rule.fact == "imports"
    if any(matches(pattern, fact.name, prefix=prefix) for pattern in rule.exclude):
        return None
    for pattern in rule.patterns:
        if matches(pattern, fact.name, prefix=prefix):
            return pattern if "." in pattern else fact.name.rsplit(".", 1)[-1]
        if fact.star and star_may_match(pattern, fact.name):
            return pattern
    # A forbidding rule cannot prove that a name computed at run time is not a forbidden one:
    # a computed module could be anything, a computed name of module M anything in M.
    if fact.computed and rule.max_count is not None and _may_be(rule, fact.name):
        return f"computed import at {fact.where}"
    return None


def _may_be(rule: CodeRule, computed: str) -> bool:
    module = computed.removesuffix(".*")
    if module in ("?", ""):
        return True
    return any(p == module or p.startswith(f"{module}.") for p in rule.patterns)


def code_evidence(codebase: Codebase, rule: CodeRule, reach: Reach | None) -> CodeEvidence:
    """Count what ``rule`` asks for; ``reach``: what the entry points run, None when none."""
    entry_points = rule.where == "entry-points"
    scope = reach if entry_points and reach is not None else None
    count = 0
    seen: set[str] = set()
    locations: list[str] = []
    for fact in _facts(_selected(codebase, rule), rule, scope):
        counted = _counted(rule, fact)
        if counted is None or (rule.distinct and counted in seen):
            continue
        seen.add(counted)
        count += 1
        if len(locations) < MAX_LOCATIONS:
            locations.append(f"{fact.where} ({fact.name})")
    note = NO_ENTRY_POINTS if entry_points and reach is None else ""
    if scope is not None and scope.unresolved:
        note = f"entry points not found in the workspace: {', '.join(scope.unresolved)}"
    return CodeEvidence(count=count, locations=tuple(locations), note=note)
