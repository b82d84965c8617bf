"""What the learner's pytest configuration asks for, read as data (pure, no pytest).

The evaluator runs pytest with its own ini, so nothing here configures the run
directly. Two things are taken from the learner's files:

- **filters** (``-k``, ``-m``, ``--deselect``, ``--ignore``, test paths in
  ``addopts``, ``testpaths``, the manifest's ``tests:``): never applied; the
  sandbox reports which collected tests each would have left out, so a filter
  that hides a failing test is flagged with its file and line;
- **harmless settings** an honest suite needs: extra ``python_files`` /
  ``python_classes`` / ``python_functions`` patterns (added to pytest's
  defaults, so they can only widen collection), ``pythonpath`` folders inside
  the repository (appended to ``sys.path``), and the asyncio mode.
"""

from __future__ import annotations

import configparser
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from evaluator.documents import DocumentError, parse_toml
from evaluator.intake.manifest import MANIFEST_NAME, Manifest

MAX_CONFIG_BYTES = 256 * 1024
DEFAULT_PATTERNS = {
    "python_files": ("test_*.py", "*_test.py"),
    "python_classes": ("Test",),
    "python_functions": ("test",),
}
_PATTERN = re.compile(r"^[\w*?.\[\]-]{1,100}$")
_CHOICES = {
    "asyncio_mode": {"auto", "strict"},
    "asyncio_default_fixture_loop_scope": {"function", "class", "module", "package", "session"},
}
_TAKES_VALUE = {"-k": "keyword", "--keyword": "keyword", "-m": "mark", "--deselect": "deselect"}
_TAKES_VALUE |= {"--ignore": "ignore", "--ignore-glob": "ignore_glob"}


@dataclass(frozen=True, kw_only=True)
class Filter:
    """One learner setting that would narrow the suite."""

    kind: str
    """keyword, mark, deselect, paths, ignore or ignore_glob."""
    values: tuple[str, ...]
    path: str
    line: int | None
    setting: str
    """How the learner wrote it, for the report ("addopts: -k 'not slow'")."""

    def to_json(self) -> dict[str, Any]:
        """What the sandbox plugin needs to evaluate it."""
        return {"kind": self.kind, "values": list(self.values)}


@dataclass(frozen=True, kw_only=True)
class LearnerPytestConfig:
    """Filters to report and settings to pass on."""

    filters: tuple[Filter, ...] = ()
    options: dict[str, str] = field(default_factory=dict)
    """``-o name=value`` settings for the evaluator's run."""
    pythonpath: tuple[str, ...] = ()
    """Repository folders appended to ``sys.path`` (relative)."""


@dataclass(frozen=True, kw_only=True)
class _Source:
    path: str
    text: str
    values: dict[str, Any]


def _read(path: Path) -> str | None:
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_CONFIG_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _ini(text: str, section: str) -> dict[str, Any] | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return dict(parser[section]) if parser.has_section(section) else None


def _toml(text: str, *keys: str) -> dict[str, Any] | None:
    try:
        data: Any = parse_toml(text)
    except DocumentError:
        return None
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else None


def find_config(root: Path) -> _Source | None:
    """The configuration pytest itself would read at ``root``, as pytest picks it."""
    candidates: list[tuple[str, Any]] = [
        ("pytest.toml", lambda t: _toml(t, "pytest")),
        ("pytest.ini", lambda t: _ini(t, "pytest")),
        (".pytest.ini", lambda t: _ini(t, "pytest")),
        ("pyproject.toml", lambda t: _toml(t, "tool", "pytest", "ini_options")),
        ("pyproject.toml", lambda t: _toml(t, "tool", "pytest")),
        ("tox.ini", lambda t: _ini(t, "pytest")),
        ("setup.cfg", lambda t: _ini(t, "tool:pytest")),
    ]
    for name, reader in candidates:
        text = _read(root / name)
        if text is None:
            continue
        values = reader(text)
        if values is not None:
            return _Source(path=name, text=text, values=values)
    return None


def _line_of(text: str, key: str) -> int | None:
    match = re.search(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*[=:]", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _words(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError:
            return value.split()
    return []


def _inside(root: Path, rel: str) -> bool:
    path = PurePosixPath(rel.split("::", 1)[0])
    if path.is_absolute() or ".." in path.parts or not str(path) or str(path) == ".":
        return False
    return (root / path).exists() or any(c in str(path) for c in "*?[")


def _option_filters(words: list[str], root: Path) -> list[tuple[str, str, str]]:
    """(kind, value, as written) for each narrowing option in an ``addopts`` list."""
    found: list[tuple[str, str, str]] = []
    index = 0
    while index < len(words):
        word = words[index]
        name, eq, inline = word.partition("=")
        if name in _TAKES_VALUE and (eq or index + 1 < len(words)):
            value = inline if eq else words[index + 1]
            found.append((_TAKES_VALUE[name], value, f"{name} {shlex.quote(value)}"))
            index += 1 if eq else 2
            continue
        if word[:2] in ("-k", "-m") and len(word) > 2 and not word.startswith("--"):
            found.append((_TAKES_VALUE[word[:2]], word[2:], word))
        elif not word.startswith("-") and _inside(root, word):
            found.append(("paths", word, word))
        index += 1
    return found


def _filters(source: _Source, root: Path) -> list[Filter]:
    filters: list[Filter] = []
    addopts_line = _line_of(source.text, "addopts")
    grouped: dict[str, list[tuple[str, str]]] = {}
    for kind, value, written in _option_filters(_words(source.values.get("addopts")), root):
        grouped.setdefault(kind, []).append((value, written))
    for kind, entries in grouped.items():
        filters.append(
            Filter(
                kind=kind,
                values=tuple(v for v, _ in entries),
                path=source.path,
                line=addopts_line,
                setting="addopts: " + " ".join(w for _, w in entries),
            )
        )
    testpaths = [p for p in _words(source.values.get("testpaths")) if _inside(root, p)]
    if testpaths:
        filters.append(
            Filter(
                kind="paths",
                values=tuple(testpaths),
                path=source.path,
                line=_line_of(source.text, "testpaths"),
                setting="testpaths: " + " ".join(testpaths),
            )
        )
    return filters


def _options(source: _Source) -> dict[str, str]:
    options: dict[str, str] = {}
    for name, defaults in DEFAULT_PATTERNS.items():
        extra = [w for w in _words(source.values.get(name)) if _PATTERN.match(w)]
        extra = [w for w in extra if w not in defaults]
        if extra:
            options[name] = " ".join([*defaults, *extra])
    for name, allowed in _CHOICES.items():
        value = source.values.get(name)
        if isinstance(value, str) and value.strip() in allowed:
            options[name] = value.strip()
    return options


def manifest_filter(manifest: Manifest | None, root: Path) -> Filter | None:
    """The manifest's ``tests:`` list as a filter (it no longer narrows the run)."""
    if manifest is None or not manifest.tests:
        return None
    text = _read(root / MANIFEST_NAME) or ""
    return Filter(
        kind="paths",
        values=tuple(manifest.tests),
        path=MANIFEST_NAME,
        line=_line_of(text, "tests"),
        setting="tests: " + ", ".join(manifest.tests),
    )


def read_pytest_config(root: Path, manifest: Manifest | None) -> LearnerPytestConfig:
    """Filters and harmless settings from the learner's pytest config and manifest."""
    source = find_config(root)
    filters = _filters(source, root) if source is not None else []
    from_manifest = manifest_filter(manifest, root)
    if from_manifest is not None:
        filters.append(from_manifest)
    if source is None:
        return LearnerPytestConfig(filters=tuple(filters))
    pythonpath = tuple(
        p.strip("/")
        for p in _words(source.values.get("pythonpath"))
        if _inside(root, p) and (root / p).is_dir()
    )
    return LearnerPytestConfig(
        filters=tuple(filters), options=_options(source), pythonpath=pythonpath
    )
