"""The submission's source files kept with its evaluation, for the similarity run.

Why an archive rather than re-fetching: a learner repository can be force-pushed,
made private or deleted after the evaluation, a local path may be gone, and a
re-fetch needs network and credentials; the evaluated workspace is what the
evaluation judged. Only Python source is kept (what similarity compares), each
file and the whole archive capped, so one huge submission cannot bloat the store.
Members are read back into memory by name: never extracted to disk.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

from evaluator.intake.workspace import SKIPPED_DIRS

#: Extensions kept: what the similarity run fingerprints.
SOURCE_SUFFIXES = frozenset({".py"})
MAX_FILE_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class SourceArchive:
    """A gzip'd tar of source files, and what went in."""

    data: bytes
    files: int
    bytes: int
    truncated: bool
    """Some source files were left out (too large, or the total cap was reached)."""


def _source_files(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in SKIPPED_DIRS for part in relative.parts):
            continue
        if path.suffix in SOURCE_SUFFIXES and path.is_file() and not path.is_symlink():
            found.append(path)
    return found


def archive_sources(root: Path) -> SourceArchive:
    """Archive the Python files under ``root`` (a sanitised workspace), within the caps."""
    buffer = io.BytesIO()
    files = total = 0
    truncated = False
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in _source_files(root):
            size = path.stat().st_size
            if size > MAX_FILE_BYTES or total + size > MAX_TOTAL_BYTES:
                truncated = True
                continue
            info = tarfile.TarInfo(path.relative_to(root).as_posix())
            info.size = size
            with path.open("rb") as handle:
                tar.addfile(info, handle)
            files, total = files + 1, total + size
    return SourceArchive(data=buffer.getvalue(), files=files, bytes=total, truncated=truncated)


def read_sources(data: bytes) -> dict[str, str]:
    """{path: text} of an archive made by :func:`archive_sources` (decoded leniently)."""
    texts: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile() or member.size > MAX_FILE_BYTES:
                continue
            handle = tar.extractfile(member)
            if handle is not None:
                texts[member.name] = handle.read().decode("utf-8", errors="replace")
    return texts
