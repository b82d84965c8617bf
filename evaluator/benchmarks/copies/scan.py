"""Find fingerprints of hidden data in files, unpacking archives and compression (stdlib only).

The evaluator imports this module to scan the learner's workspace on the host,
and runs the same file as a script inside the learner's dependency image
(``python -I -S scan.py ...``: no site-packages, no ``.pth`` files, nothing
of the learner's runs before it) to scan what their installation added. It
never writes, never executes what it reads, and bounds what it unpacks: a file
or member is decompressed in memory up to ``BLOB_BYTES``, deeper only as a
stream, and every scan stops after ``budget`` bytes, reporting itself incomplete.

Script use::

    python -I -S scan.py --needles needles.json --root /opt/venv --since EPOCH --out DIR

``needles.json`` is ``{"needles": [[example, "<base64>"], ...]}``; the result is
``DIR/hits.json``: ``{"hits": [{"path", "examples"}], "incomplete": [paths], "files": n}``.
"""

from __future__ import annotations

import argparse
import base64
import bz2
import gzip
import io
import json
import lzma
import os
import sys
import tarfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

BLOB_BYTES = 256 * 1024 * 1024
CHUNK_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 3
MAX_MEMBERS = 10_000
MIN_FILE_BYTES = 64

Needles = Sequence[tuple[int, bytes]]


@dataclass
class Scan:
    """What one scan found: per path (``archive.zip!member`` inside archives) the examples."""

    needles: Needles
    budget: int
    hits: dict[str, set[int]] = field(default_factory=dict)
    incomplete: list[str] = field(default_factory=list)
    files: int = 0

    def spend(self, size: int, where: str) -> bool:
        """Charge ``size`` bytes to the budget; False (and noted) when it is spent."""
        if size > self.budget:
            self.budget = 0
            if where not in self.incomplete:
                self.incomplete.append(where)
            return False
        self.budget -= size
        return True

    def search(self, data: bytes, where: str, overlap: bytes = b"") -> bytes:
        """Look for every needle in ``overlap + data``; returns the tail to carry over."""
        window = overlap + data
        found = self.hits.setdefault(where, set())
        for example, needle in self.needles:
            # One form of an example is enough: its other forms need not be searched.
            if example not in found and needle in window:
                found.add(example)
        if not found:
            del self.hits[where]
        longest = max((len(n) for _, n in self.needles), default=1)
        return window[-(longest - 1) :] if longest > 1 else b""


def _kind(head: bytes) -> str | None:
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def _decompressor(kind: str, handle: IO[bytes]) -> IO[bytes]:
    # The caller reads the stream to its end; the wrapped handle is closed by its owner.
    opened: object
    if kind == "gzip":
        opened = gzip.GzipFile(fileobj=handle)
    elif kind == "bz2":
        opened = bz2.BZ2File(handle)
    else:
        opened = lzma.LZMAFile(handle)  # noqa: SIM115
    return cast("IO[bytes]", opened)


def _stream(scan: Scan, handle: IO[bytes], where: str) -> None:
    """Scan a stream chunk by chunk (for data too large to unpack in memory)."""
    tail = b""
    while True:
        try:
            chunk = handle.read(CHUNK_BYTES)
        except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile):
            return
        if not chunk or not scan.spend(len(chunk), where):
            return
        tail = scan.search(chunk, where, tail)


def _members(kind: str, data: bytes) -> Iterator[tuple[str, IO[bytes]]]:
    """(name, stream) of the members of a zip or tar archive held in memory."""
    try:
        if kind == "zip":
            with zipfile.ZipFile(io.BytesIO(data)) as zipped:
                for info in zipped.infolist()[:MAX_MEMBERS]:
                    if not info.is_dir():
                        with zipped.open(info) as member:
                            yield info.filename, member
        else:
            with tarfile.open(fileobj=io.BytesIO(data)) as tarred:
                for count, entry in enumerate(tarred):
                    if count >= MAX_MEMBERS:
                        return
                    handle = tarred.extractfile(entry) if entry.isfile() else None
                    if handle is not None:
                        yield entry.name, handle
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, RuntimeError):
        return


def _read_bounded(handle: IO[bytes]) -> bytes | None:
    """All of ``handle`` when it fits in BLOB_BYTES, else None (the caller streams it)."""
    try:
        data = handle.read(BLOB_BYTES + 1)
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile):
        return b""
    return data if len(data) <= BLOB_BYTES else None


def scan_blob(scan: Scan, data: bytes, where: str, depth: int = 0) -> None:
    """Scan bytes held in memory, then what they unpack to."""
    if not scan.spend(len(data), where):
        return
    scan.search(data, where)
    kind = _kind(data[:512])
    if kind is None or depth >= MAX_DEPTH:
        return
    if kind in ("zip", "tar"):
        for name, member in _members(kind, data):
            _unpack(scan, member, f"{where}!{name}", depth + 1)
        return
    _unpack(scan, _decompressor(kind, io.BytesIO(data)), where, depth + 1)


def _unpack(scan: Scan, handle: IO[bytes], where: str, depth: int) -> None:
    data = _read_bounded(handle)
    if data is None:
        _stream(scan, handle, where)  # too large to keep: scanned as it streams by
    elif data:
        scan_blob(scan, data, where, depth)


def scan_file(scan: Scan, path: Path, where: str) -> None:
    """Scan one file: whole in memory when small enough, else streamed (and decompressed)."""
    scan.files += 1
    with path.open("rb") as handle:
        data = _read_bounded(handle)
        if data is not None:
            scan_blob(scan, data, where)
            return
        handle.seek(0)
        _stream(scan, handle, where)
        handle.seek(0)
        kind = _kind(handle.read(512))
        if kind in ("gzip", "bz2", "xz"):
            handle.seek(0)
            _stream(scan, _decompressor(kind, handle), where)


def scan_tree(
    scan: Scan, root: Path, *, since: float | None = None, absolute: bool = False
) -> None:
    """Scan every regular file under ``root`` (modified after ``since`` when given); links
    are not followed. Paths are reported relative to ``root`` unless ``absolute``."""
    for folder, dirs, names in os.walk(root, followlinks=False):
        current = Path(folder)
        dirs.sort()
        for name in sorted(names):
            path = current / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if not path.is_file() or path.is_symlink() or info.st_size < MIN_FILE_BYTES:
                continue
            if since is not None and info.st_mtime <= since:
                continue
            try:
                scan_file(scan, path, str(path if absolute else path.relative_to(root)))
            except OSError:
                continue


def install_roots() -> list[Path]:
    """Where installed packages live: the virtual environment of this interpreter (found by
    its ``pyvenv.cfg``, since ``-S`` leaves ``sys.prefix`` at the base) and the prefix."""
    roots = [Path(sys.prefix)]
    venv = Path(sys.executable).parent.parent
    if (venv / "pyvenv.cfg").is_file() and venv not in roots:
        roots.insert(0, venv)
    return roots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="find fingerprints of hidden data in files")
    parser.add_argument("--needles", type=Path, required=True)
    parser.add_argument("--root", type=Path, action="append", default=[])
    parser.add_argument("--since", type=float)
    parser.add_argument("--budget", type=int, default=8 * 1024**3)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    payload = json.loads(args.needles.read_text(encoding="utf-8"))
    needles = [(int(e), base64.b64decode(n)) for e, n in payload["needles"]]
    scan = Scan(needles=needles, budget=args.budget)
    roots = args.root or install_roots()
    for root in roots:
        scan_tree(scan, root, since=args.since, absolute=True)
    result = {
        "hits": [{"path": path, "examples": sorted(found)} for path, found in scan.hits.items()],
        "incomplete": scan.incomplete,
        "files": scan.files,
    }
    (args.out / "hits.json").write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
