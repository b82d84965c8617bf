"""Learner Python sources as syntax trees: ``.py`` files and the code cells of notebooks.

Everything here parses text; nothing imports or runs learner code, so it is safe
on the host. A file that does not parse (a syntax error, a huge generated file)
is left out: ruff reports syntax errors, and a tree that is not there can
satisfy no rule.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath

from evaluator.documents import cell_text, notebook_cells
from evaluator.intake.workspace import workspace_files
from evaluator.pycode.names import Names

#: Larger files are not parsed: generated code and vendored bundles, not the learner's own.
MAX_PARSED_BYTES = 2 * 1024 * 1024
#: Folder names whose files are tests, as pytest projects name them.
TEST_DIRS = frozenset({"tests", "test", "testing"})
#: Notebook lines that are IPython syntax, not Python (magics, shell escapes, help).
_MAGIC = re.compile(r"^\s*[%!?]")


@dataclass(frozen=True, kw_only=True)
class PyFile:
    """One parsed unit of learner code: a ``.py`` file or one notebook code cell."""

    path: str
    """Relative POSIX path in the workspace."""
    text: str
    tree: ast.Module
    cell: int | None = None
    """Index of the notebook code cell (0-based), or None for a ``.py`` file."""

    def where(self, line: int) -> str:
        """``path:line``, or ``path:cell N:line`` inside a notebook."""
        if self.cell is None:
            return f"{self.path}:{line}"
        return f"{self.path}:cell {self.cell + 1}:{line}"

    # Several scans read each unit's names and comments: worked out once, on first use.
    @cached_property
    def names(self) -> Names:
        """The unit's name table (what each bound name was imported as)."""
        return Names(self.tree)

    @cached_property
    def comments(self) -> tuple[tuple[int, str], ...]:
        """``(line, comment text)`` of every comment token (see :func:`comments`)."""
        return tuple(comments(self.text))

    @property
    def module(self) -> str | None:
        """The dotted module name a ``.py`` file has from the workspace root (or ``src/``)."""
        if self.cell is not None or not self.path.endswith(".py"):
            return None
        return module_name(self.path)


def module_name(path: str) -> str:
    """``pkg/sub/mod.py`` -> ``pkg.sub.mod``; ``pkg/__init__.py`` -> ``pkg``; ``src/`` dropped."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_test_file(path: str) -> bool:
    """Whether a workspace path is test code (pytest's file names, conftest, test folders)."""
    posix = PurePosixPath(path)
    name = posix.name
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(part in TEST_DIRS for part in posix.parts[:-1])


def parse_python(text: str, path: str) -> ast.Module | None:
    """The syntax tree of ``text``, or None when it does not parse."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences in learner strings
        try:
            return ast.parse(text, filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


def _read(root: Path, rel: str) -> str | None:
    path = root / rel
    try:
        if path.stat().st_size > MAX_PARSED_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def read_module(root: Path, rel: str) -> PyFile | None:
    """One ``.py`` file of the workspace, parsed; None when unreadable or not Python."""
    text = _read(root, rel)
    tree = parse_python(text, rel) if text is not None else None
    if text is None or tree is None:
        return None
    return PyFile(path=rel, text=text, tree=tree)


def _cell_source(cell: object) -> str | None:
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return None
    if not isinstance(cell.get("source", ""), str | list):
        return None
    text = cell_text(cell)
    # Blank out IPython-only lines so the rest of the cell still parses, lines unchanged.
    return "\n".join("" if _MAGIC.match(line) else line for line in text.split("\n"))


def read_notebook(root: Path, rel: str) -> list[PyFile]:
    """The code cells of a Jupyter notebook that parse as Python, one unit per cell."""
    text = _read(root, rel)
    if text is None:
        return []
    units: list[PyFile] = []
    for index, cell in enumerate(notebook_cells(text) or []):
        source = _cell_source(cell)
        tree = parse_python(source, rel) if source is not None else None
        if source is not None and tree is not None:
            units.append(PyFile(path=rel, text=source, tree=tree, cell=index))
    return units


@dataclass(frozen=True, kw_only=True)
class Codebase:
    """Every parsed Python unit of a workspace, in path order."""

    units: tuple[PyFile, ...]

    def modules(self) -> Iterator[PyFile]:
        """The ``.py`` files (not notebook cells)."""
        return (u for u in self.units if u.cell is None)

    def by_module(self) -> dict[str, PyFile]:
        """``.py`` files by dotted module name (a name found twice keeps the first)."""
        named: dict[str, PyFile] = {}
        for unit in self.modules():
            name = unit.module
            if name and name not in named:
                named[name] = unit
        return named


def load_codebase(root: Path, files: list[str] | None = None) -> Codebase:
    """Parse the ``.py`` files and notebooks of a workspace (``files``: its listing, if known)."""
    units: list[PyFile] = []
    for rel in workspace_files(root) if files is None else files:
        if rel.endswith(".py"):
            unit = read_module(root, rel)
            units.extend([unit] if unit is not None else [])
        elif rel.endswith(".ipynb"):
            units.extend(read_notebook(root, rel))
    return Codebase(units=tuple(units))


def comments(text: str) -> Iterator[tuple[int, str]]:
    """``(line, comment text)`` of every comment token; strings are never mistaken for one."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string
    except (tokenize.TokenError, SyntaxError):
        return
