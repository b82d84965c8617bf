"""JSON, YAML and TOML text parsed one way: the document, or :class:`DocumentError`.

Learner files (``capstone.yaml``, ``environment.yml``, ``pyproject.toml``,
notebooks, results files) and a learner service's answers are parsed here, so
that no text can raise anything but :class:`DocumentError`: ``json``,
``tomllib`` and PyYAML's composer recurse once per nesting level, and 30,000
``[`` raise ``RecursionError``, which is not a ``ValueError``. The evaluator's
own files use the same functions, for the same messages and line numbers.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

import yaml


class DocumentError(ValueError):
    """Text that is not a document of its format.

    ``str()`` is the parser's own message; ``problem`` its short form and
    ``line`` (1-based) where the parser says.
    """

    def __init__(
        self, message: str, *, problem: str | None = None, line: int | None = None
    ) -> None:
        super().__init__(message)
        self.problem = problem or message
        self.line = line


class TooDeep(DocumentError):
    """Lists or mappings nested deeper than the parser can follow."""

    def __init__(self) -> None:
        super().__init__("nested too deeply")


def parse_json(text: str | bytes) -> Any:
    """The JSON document in ``text`` (pure)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise TooDeep from None
    except ValueError as exc:  # JSONDecodeError, and bytes that are not UTF-8
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
        raise DocumentError(str(exc), line=line) from None


def parse_toml(text: str) -> dict[str, Any]:
    """The TOML document in ``text`` (pure)."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise TooDeep from None
    except tomllib.TOMLDecodeError as exc:
        raise DocumentError(str(exc)) from None


def _yaml_error(exc: yaml.YAMLError) -> DocumentError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return DocumentError(str(exc), problem=problem, line=mark.line + 1 if mark else None)


def parse_yaml(text: str) -> Any:
    """The YAML document in ``text``, safe tags only (pure)."""
    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise TooDeep from None
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from None


def yaml_tree(text: str) -> yaml.Node | None:
    """The YAML node tree of ``text``: each node knows its line (``start_mark.line``)."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise TooDeep from None
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from None


def notebook_cells(text: str | bytes) -> list[Any] | None:
    """The ``cells`` list of a Jupyter notebook's JSON, unchecked; None when it has none."""
    try:
        document = parse_json(text)
    except DocumentError:
        return None
    cells = document.get("cells") if isinstance(document, dict) else None
    return cells if isinstance(cells, list) else None


def cell_text(cell: dict[str, Any]) -> str:
    """A notebook cell's source as one string (nbformat allows a list of lines)."""
    source = cell.get("source", "")
    return "".join(str(s) for s in source) if isinstance(source, list) else str(source)
