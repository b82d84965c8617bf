"""A manifest ``source:`` that leaves learner code out of coverage.

``source: [utils]`` in a repository whose logic lives in ``core/`` measures
coverage on the one well-tested helper package. The learner's code is every
package at the root or under ``src/``, and every top-level module the tests
import; each one no ``source:`` entry covers is reported.
"""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from evaluator.intake.manifest import MANIFEST_NAME, Manifest, key_line
from evaluator.integrity.kinds import finding
from evaluator.model.report import Finding
from evaluator.pycode.files import Codebase, is_test_file, module_name
from evaluator.pycode.names import statement_imports

#: Top-level modules that are tooling, not the learner's code.
TOOLING = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py", "tasks.py"})


def _top_level(path: str) -> tuple[str, str] | None:
    """``(package or module path, dotted name)`` of the top-level unit a file belongs to."""
    parts = PurePosixPath(path).parts
    base = 1 if parts and parts[0] == "src" and len(parts) > 1 else 0
    if len(parts) == base + 1:
        return "/".join(parts), module_name(path)
    return "/".join(parts[: base + 1]), parts[base]


def learner_units(codebase: Codebase) -> dict[str, str]:
    """``{path: dotted name}`` of the learner's packages and tested top-level modules."""
    files = {u.path for u in codebase.modules()}
    imported: set[str] = set()
    for unit in codebase.modules():
        if is_test_file(unit.path):
            for node in ast.walk(unit.tree):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    imported.update(t.split(".")[0] for _b, t, _s in statement_imports(node))
    units: dict[str, str] = {}
    for path in sorted(files):
        top = _top_level(path)
        if top is None or is_test_file(path) or PurePosixPath(path).name in TOOLING:
            continue
        where, name = top
        if where.endswith(".py"):
            if name in imported:
                units[where] = name
        elif f"{where}/__init__.py" in files:
            units[where] = name
    return units


def _covered(where: str, name: str, sources: list[str]) -> bool:
    for entry in sources:
        entry_path = PurePosixPath(entry).as_posix().strip("/")
        if entry_path in ("", "."):
            return True
        dotted_entry = entry_path.replace("/", ".").removeprefix("src.")
        if where == entry_path or where.startswith(f"{entry_path}/"):
            return True
        if name == dotted_entry or name.startswith(f"{dotted_entry}."):
            return True
        if where.removesuffix(".py") == entry_path:
            return True
    return False


def narrow_source_findings(
    codebase: Codebase, manifest: Manifest | None, manifest_text: str
) -> list[Finding]:
    """A finding when ``source:`` leaves out some of the learner's packages or modules."""
    if manifest is None or not manifest.source:
        return []
    left_out = [
        where
        for where, name in learner_units(codebase).items()
        if not _covered(where, name, manifest.source)
    ]
    if not left_out:
        return []
    more = f" and {len(left_out) - 10} more" if len(left_out) > 10 else ""
    shown = ", ".join(left_out[:10]) + more
    return [
        finding(
            "narrow-source",
            MANIFEST_NAME,
            key_line(manifest_text, "source"),
            f"source: {', '.join(manifest.source)} leaves out {shown}: coverage must measure "
            "all of the learner's code",
        )
    ]
