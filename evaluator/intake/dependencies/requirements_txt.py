"""``requirements*.txt`` and ``requirements/*.txt``, with ``-r`` includes inside the repository.

Lines are reassembled the way pip does (``\\`` continuations joined, comments
removed) *before* they are judged, so a continuation that spells an option
across two lines is seen whole. Only plain requirements are kept.
"""

from __future__ import annotations

import re
from pathlib import Path

from evaluator.intake.dependencies.collect import Collector
from evaluator.intake.dependencies.model import Origin

#: Requirement files for documentation or GPUs are not what the CPU test run needs.
_SKIPPED_NAME = re.compile(r"doc|gpu|cuda", re.IGNORECASE)
_COMMENT = re.compile(r"(^|\s+)#.*$")
_INCLUDE = re.compile(r"^(?:-r|--requirement)(?:\s*=\s*|\s+|(?=[^\s-]))(?P<file>\S+)$")
MAX_INCLUDE_DEPTH = 5
OPTIONS_REFUSED = "pip options are not honoured; only package names and versions are installed"
LINE_OPTIONS_REFUSED = (
    "per-requirement pip options are not honoured (--hash is accepted: the evaluator checks "
    "hashes itself)"
)


def requirement_files(root: Path) -> list[str]:
    """The requirement files read by default, ``requirements.txt`` first (pure but for listing)."""
    found = sorted(p.name for p in root.glob("requirements*.txt"))
    found.sort(key=lambda name: name != "requirements.txt")
    folder = root / "requirements"
    if folder.is_dir() and not folder.is_symlink():
        found += sorted(f"requirements/{p.name}" for p in folder.glob("*.txt"))
    return found


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, line) after joining ``\\`` continuations and removing comments."""
    lines: list[tuple[int, str]] = []
    buffer = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not buffer:
            start = number
        if raw.endswith("\\") and not raw.lstrip().startswith("#"):
            buffer += raw[:-1]
            continue
        joined = _COMMENT.sub("", buffer + raw).strip()
        buffer = ""
        if joined:
            lines.append((start, joined))
    if buffer.strip():
        lines.append((start, _COMMENT.sub("", buffer).strip()))
    return lines


def read_requirements_files(sink: Collector) -> None:
    """Read every default requirement file (and what they include)."""
    for relative in requirement_files(sink.root):
        if _SKIPPED_NAME.search(Path(relative).name):
            sink.notes.append(f"{relative} not read (documentation or GPU requirements)")
            continue
        read_requirements_file(sink, relative, depth=0)


def read_requirements_file(sink: Collector, relative: str, *, depth: int) -> None:
    """One requirements file; ``-r`` includes are followed inside the repository."""
    if relative in sink.files:
        return
    text = sink.read_text(relative)
    if text is None:
        return
    sink.files.append(relative)
    for number, line in logical_lines(text):
        read_line(sink, line, Origin(path=relative, line=number), depth=depth)


def read_line(sink: Collector, line: str, origin: Origin, *, depth: int = 0) -> None:
    """One logical requirements line: an include, a refused option, or a requirement."""
    include = _INCLUDE.match(line)
    if include is not None:
        _include(sink, origin.path, include.group("file"), origin, depth)
    elif line.startswith("-"):
        sink.refuse(origin, line, OPTIONS_REFUSED)
    else:
        _requirement_line(sink, line, origin)


def _requirement_line(sink: Collector, line: str, origin: Origin) -> None:
    """A requirement, perhaps followed by ``--hash`` options (pip-compile output)."""
    words = line.split()
    first_option = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
    options = words[first_option:]
    if any(not w.startswith("--hash") and not w.startswith("sha256:") for w in options):
        sink.refuse(origin, line, LINE_OPTIONS_REFUSED)
        return
    if "${" in line:
        sink.refuse(origin, line, "environment variables are not expanded")
        return
    sink.add(" ".join(words[:first_option]), origin)


def _include(sink: Collector, parent: str, name: str, origin: Origin, depth: int) -> None:
    if depth >= MAX_INCLUDE_DEPTH:
        sink.refuse(origin, name, f"includes nested more than {MAX_INCLUDE_DEPTH} deep")
        return
    if "://" in name:
        sink.refuse(origin, name, "included files must be in the repository")
        return
    target = (sink.root / parent).parent / name
    try:
        relative = target.resolve().relative_to(sink.root).as_posix()
    except ValueError:
        sink.refuse(origin, name, "included files must be in the repository")
        return
    if not (sink.root / relative).is_file():
        sink.refuse(origin, name, "included file not found in the repository")
        return
    read_requirements_file(sink, relative, depth=depth + 1)
