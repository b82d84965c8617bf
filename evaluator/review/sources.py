"""Which learner files the review reads, and the text it shows of each.

Learner files are untrusted data. Only regular files with a known text suffix are read;
binaries, files that are not UTF-8, and files over the size limit are skipped with the
reason. Notebooks are shown as their code and markdown cells, without outputs (outputs
are large, and a learner controls them as much as the code). The same text is used for
the prompt and for checking citations, so the model's line numbers mean one thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path, PurePosixPath

from evaluator.documents import cell_text, notebook_cells
from evaluator.intake.manifest import Manifest
from evaluator.intake.workspace import workspace_files

TEXT_SUFFIXES = frozenset(
    {".py", ".md", ".rst", ".txt", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".ipynb", ".sql",
     ".sh", ".json", ".html", ".js", ".ts", ".r", ".scala"}
)  # fmt: skip
TEXT_NAMES = frozenset({"Dockerfile", "Makefile", "README", "LICENSE", "Procfile"})
#: Bytes read to tell text from binary, like git and grep do (a NUL byte means binary).
_SNIFF = 8192


class Priority(IntEnum):
    """Order in which files enter the prompt until the token budget is spent."""

    README = 0
    MANIFEST = 1
    SOURCE = 2
    TESTS = 3
    NOTEBOOK = 4
    OTHER_CODE = 5
    DOCS = 6


@dataclass(frozen=True, kw_only=True)
class LearnerFile:
    """One learner file as the review shows it."""

    path: str
    """POSIX path relative to the repository root."""
    text: str
    """The text shown (a notebook's cells, no outputs); line numbers count in this text."""
    priority: Priority


@dataclass(frozen=True, kw_only=True)
class Unread:
    """A candidate file that was not read, and why."""

    path: str
    reason: str


def is_text_name(path: str) -> bool:
    """Whether the review reads files with this name at all."""
    name = PurePosixPath(path)
    return name.suffix.lower() in TEXT_SUFFIXES or name.name in TEXT_NAMES


def notebook_text(raw: str) -> str | None:
    """A notebook's cells as text (``# %%`` markers, no outputs); None if it is invalid."""
    cells = notebook_cells(raw)
    if cells is None:
        return None
    parts: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        text = cell_text(cell)
        marker = "# %% [markdown]" if cell.get("cell_type") == "markdown" else "# %%"
        parts.append(f"{marker}\n{text.rstrip()}")
    return "\n\n".join(parts) + "\n"


def read_view(root: Path, path: str, max_bytes: int) -> str | Unread:
    """The text the review shows of ``path`` (relative), or why it is not read."""
    full = root / path
    try:
        size = full.stat().st_size
        if size > max_bytes:
            return Unread(path=path, reason=f"too large ({size} bytes > {max_bytes})")
        data = full.read_bytes()
    except OSError as exc:
        return Unread(path=path, reason=f"unreadable: {exc.strerror}")
    if b"\0" in data[:_SNIFF]:
        return Unread(path=path, reason="binary")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Unread(path=path, reason="not UTF-8 text")
    if path.endswith(".ipynb"):
        cells = notebook_text(text)
        return cells if cells is not None else Unread(path=path, reason="not a valid notebook")
    return text


def _under(path: str, folders: tuple[str, ...]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _is_test(path: str, test_dirs: tuple[str, ...]) -> bool:
    name = PurePosixPath(path).name
    return (
        _under(path, test_dirs)
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or "tests" in PurePosixPath(path).parts[:-1]
    )


def priority_of(path: str, manifest: Manifest | None) -> Priority:
    """Where a file comes in the prompt: README, manifest, named source, tests, notebooks, ..."""
    name = PurePosixPath(path)
    if "/" not in path and name.stem.upper() == "README":
        return Priority.README
    if path == "capstone.yaml":
        return Priority.MANIFEST
    if name.suffix == ".ipynb":
        return Priority.NOTEBOOK
    if name.suffix == ".py":
        return _code_priority(path, manifest)
    return Priority.DOCS


def _code_priority(path: str, manifest: Manifest | None) -> Priority:
    sources = tuple(manifest.source) if manifest else ()
    if _is_test(path, tuple(manifest.tests) if manifest else ()):
        return Priority.TESTS
    if not sources or _under(path, sources):
        return Priority.SOURCE
    return Priority.OTHER_CODE


def learner_files(
    root: Path, manifest: Manifest | None, max_bytes: int
) -> tuple[list[LearnerFile], list[Unread], int]:
    """Readable learner files in prompt order, the candidates skipped, and the count of
    files never read (data, images, weights: no text suffix)."""
    read: list[LearnerFile] = []
    unread: list[Unread] = []
    ignored = 0
    for path in workspace_files(root):
        if not is_text_name(path):
            ignored += 1
            continue
        if not path.isprintable():
            unread.append(Unread(path=ascii(path), reason="control characters in the file name"))
            continue
        view = read_view(root, path, max_bytes)
        if isinstance(view, Unread):
            unread.append(view)
        elif view.strip():  # an empty __init__.py tells the model nothing
            read.append(LearnerFile(path=path, text=view, priority=priority_of(path, manifest)))
    read.sort(key=lambda f: (f.priority, f.path))
    return read, unread, ignored
