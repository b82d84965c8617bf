"""What a local folder's git repository says, read as files: no git process at all.

Any git command in a learner's repository reads its configuration, and that
configuration runs commands (``core.fsmonitor`` on ``git status``, filter
drivers named in ``.gitattributes``, hooks). So for a local folder the evaluator
reads ``.git/HEAD``, the refs and the index itself, as bounded plain files (no
links, no FIFOs), and compares the index with the workspace copy to tell
whether the files evaluated are the commit's.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_OID = re.compile(rb"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
#: A ref name as git allows it, minus what could leave ``.git``: no '..', no
#: leading '/', no empty or dot-led components, no control characters.
_REFNAME = re.compile(r"^refs/(?:[^\x00-\x20\x7f~^:?*\[\\/.][^\x00-\x20\x7f~^:?*\[\\/]*/?)+$")
_MAX_SMALL = 4096
_MAX_PACKED_REFS = 16 * 1024 * 1024
_MAX_INDEX = 64 * 1024 * 1024
_MAX_SYMREF_HOPS = 5

_MODE_LINK, _MODE_GITLINK = 0o120000, 0o160000
_EXTENDED, _SKIP_WORKTREE, _INTENT_TO_ADD = 0x4000, 0x4000, 0x2000


@dataclass(frozen=True, kw_only=True)
class IndexEntry:
    """One path of git's index (the staging area)."""

    path: str
    mode: int
    size: int
    """The file's size modulo 2**32, as git records it."""
    oid: bytes
    stage: int = 0
    skip_worktree: bool = False
    intent_to_add: bool = False


@dataclass(frozen=True, kw_only=True)
class LocalRepo:
    """The commit a local folder has checked out and its index, when they could be read."""

    commit: str | None
    index: tuple[IndexEntry, ...] | None
    """None when the index is missing, too large or not understood."""


def read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (not a link, FIFO or device) of at most
    ``limit`` bytes; else None. Never blocks, never follows a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    return data if len(data) <= limit else None


def _packed_ref(git_dir: Path, name: str) -> bytes | None:
    data = read_regular(git_dir / "packed-refs", _MAX_PACKED_REFS)
    for line in (data or b"").splitlines():
        oid, _, ref = line.partition(b" ")
        if ref.decode("utf-8", errors="replace") == name:
            return oid
    return None


def resolve_head(git_dir: Path) -> str | None:
    """The commit id ``HEAD`` names (through symbolic refs and packed-refs), or None."""
    value = read_regular(git_dir / "HEAD", _MAX_SMALL)
    for _ in range(_MAX_SYMREF_HOPS):
        if value is None:
            return None
        value = value.strip()
        if _OID.match(value):
            return value.decode("ascii")
        if not value.startswith(b"ref: "):
            return None
        name = value[5:].strip().decode("utf-8", errors="replace")
        if not _REFNAME.match(name) or ".." in name or name.endswith((".lock", "/")):
            return None
        value = read_regular(git_dir.joinpath(*name.split("/")), _MAX_SMALL)
        if value is None:
            value = _packed_ref(git_dir, name)
    return None


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """git's offset varint (index v4 path prefixes): value and the next position."""
    byte = data[at]
    value = byte & 0x7F
    while byte & 0x80:
        at += 1
        byte = data[at]
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, at + 1


def parse_index(data: bytes, oid_len: int = 20) -> tuple[IndexEntry, ...]:
    """The entries of a git index file, versions 2 to 4 (pure); ValueError when not one."""
    magic, version, count = struct.unpack_from(">4sII", data, 0)
    if magic != b"DIRC" or version not in (2, 3, 4) or count > len(data) // 62:
        raise ValueError("not a git index")
    entries: list[IndexEntry] = []
    at, previous = 12, b""
    for _ in range(count):
        start = at
        mode, _, _, size = struct.unpack_from(">IIII", data, at + 24)
        oid = data[at + 40 : at + 40 + oid_len]
        (flags,) = struct.unpack_from(">H", data, at + 40 + oid_len)
        at += 42 + oid_len
        extended = 0
        if version >= 3 and flags & _EXTENDED:
            (extended,) = struct.unpack_from(">H", data, at)
            at += 2
        if version == 4:
            strip, at = _varint(data, at)
            end = data.index(b"\0", at)
            name = previous[: len(previous) - strip] + data[at:end]
            at = end + 1
        else:
            end = data.index(b"\0", at)
            name = data[at:end]
            at = start + ((at - start + len(name) + 8) & ~7)
        previous = name
        entries.append(
            IndexEntry(
                path=os.fsdecode(name),
                mode=mode,
                size=size,
                oid=oid,
                stage=(flags >> 12) & 3,
                skip_worktree=bool(extended & _SKIP_WORKTREE),
                intent_to_add=bool(extended & _INTENT_TO_ADD),
            )
        )
    return tuple(entries)


def read_local_repo(folder: Path) -> LocalRepo | None:
    """HEAD's commit and the index of ``folder/.git``; None when ``.git`` is not a folder.

    A ``.git`` file (a worktree or submodule checkout) points elsewhere on the
    host; it is not followed, so such a folder reports no commit.
    """
    git_dir = folder / ".git"
    try:
        if not stat.S_ISDIR(git_dir.lstat().st_mode):
            return None
    except OSError:
        return None
    commit = resolve_head(git_dir)
    data = read_regular(git_dir / "index", _MAX_INDEX)
    index: tuple[IndexEntry, ...] | None = None
    if data is not None:
        try:
            index = parse_index(data, oid_len=32 if commit and len(commit) == 64 else 20)
        except (ValueError, struct.error, IndexError):
            index = None
    return LocalRepo(commit=commit, index=index)


def _blob_id(path: Path, size: int, oid_len: int) -> bytes:
    digest = hashlib.sha1 if oid_len == 20 else hashlib.sha256  # git's object ids
    h = digest(b"blob %d\0" % size)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.digest()


def differs_from_index(
    index: Iterable[IndexEntry], root: Path, copied: frozenset[str], *, skip: frozenset[str]
) -> bool:
    """Whether the files in ``root`` (the workspace copy) differ from git's index.

    Untracked files count (they are evaluated too, ignored or not); tracked
    paths under a ``skip`` folder (virtual environments, caches) do not, as the
    copy leaves them out. Only regular files are compared by content.
    """
    tracked: dict[str, IndexEntry] = {}
    for entry in index:
        if entry.stage or entry.intent_to_add:
            return True  # a merge in progress or a path only announced
        if entry.skip_worktree or entry.mode == _MODE_GITLINK:
            continue
        if not skip.intersection(entry.path.split("/")):
            tracked[entry.path] = entry
    if tracked.keys() != copied:
        return True
    for path, entry in tracked.items():
        if entry.mode == _MODE_LINK:
            continue
        file = root / path
        size = file.stat().st_size
        if size % 2**32 != entry.size or _blob_id(file, size, len(entry.oid)) != entry.oid:
            return True
    return False
