"""The static scan of a workspace: how far the learner's test evidence can be trusted.

Pure syntax-tree work over the workspace files (learner code is never imported
or run): pytest hooks and plugins, patches of pytest, xfail/skip without a
reason, tests that assert nothing, ``pragma: no cover``, a ``source:`` narrower
than the learner's code, and lint suppressions. Every finding has a file and,
where the code has one, a line. The test-suite runner counts only the asserting
tests; the ``integrity`` check reports everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from evaluator.intake.manifest import MANIFEST_NAME, Manifest
from evaluator.integrity.asserts import AssertionFinder, collected_tests, is_test_module
from evaluator.integrity.comments import noqa_findings, pragma_findings
from evaluator.integrity.hooks import entry_point_findings, hook_findings, patch_findings
from evaluator.integrity.kinds import finding
from evaluator.integrity.marks import mark_findings
from evaluator.integrity.source import narrow_source_findings
from evaluator.model.report import Finding
from evaluator.pycode.files import Codebase, load_codebase

#: Packaging files that can declare pytest plugins (``pytest11`` entry points).
PACKAGING_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
_PARAMETRIZED = re.compile(r"\[.*\]\Z", re.DOTALL)


@dataclass(frozen=True, kw_only=True)
class StaticScan:
    """What the static scan found."""

    findings: tuple[Finding, ...]
    """Findings coded ``integrity/<kind>``, each with a path and (where known) a line."""
    assertion_free: frozenset[str]
    """Node ids of tests that assert nothing: ``tests/test_x.py::test_f`` or
    ``tests/test_x.py::TestC::test_f`` (no parameter suffix: see :func:`base_node_id`)."""
    noqa_directives: int
    """Lint suppression comments in learner code (information: lint ignores them)."""


def base_node_id(node_id: str) -> str:
    """A pytest node id without its parameter suffix: ``t.py::test_f[1-2]`` -> ``t.py::test_f``."""
    return _PARAMETRIZED.sub("", node_id)


def _assertion_free(codebase: Codebase) -> tuple[frozenset[str], list[Finding]]:
    finder = AssertionFinder(codebase)
    ids: set[str] = set()
    found: list[Finding] = []
    for unit in codebase.modules():
        if not is_test_module(unit.path):
            continue
        for node_id, line, asserts in collected_tests(unit, finder):
            if asserts:
                continue
            ids.add(node_id)
            name = node_id.split("::", 1)[1]
            found.append(
                finding(
                    "assertion-free",
                    unit.path,
                    line,
                    f"{name} asserts nothing: it passes whatever the code does, so it does not "
                    "count as a test",
                )
            )
    return frozenset(ids), found


def _read_text(root: Path, name: str, limit: int = 1024 * 1024) -> str | None:
    path = root / name
    if not path.is_file() or path.is_symlink() or path.stat().st_size > limit:
        return None
    return path.read_text(encoding="utf-8", errors="replace")


def scan_workspace(
    root: Path, *, manifest: Manifest | None, codebase: Codebase | None = None
) -> StaticScan:
    """Scan ``root`` (a workspace) statically; ``codebase``: its parsed sources, if at hand."""
    codebase = codebase or load_codebase(root)
    assertion_free, unasserted = _assertion_free(codebase)
    packaging = {n: t for n in PACKAGING_FILES if (t := _read_text(root, n)) is not None}
    noqa = noqa_findings(codebase)
    findings = [
        *hook_findings(codebase),
        *entry_point_findings(packaging),
        *patch_findings(codebase),
        *mark_findings(codebase),
        *unasserted,
        *pragma_findings(codebase),
        *narrow_source_findings(codebase, manifest, _read_text(root, MANIFEST_NAME) or ""),
        *noqa,
    ]
    findings.sort(key=lambda f: (f.path, f.line or 0, f.code))
    return StaticScan(
        findings=tuple(findings), assertion_free=assertion_free, noqa_directives=len(noqa)
    )
