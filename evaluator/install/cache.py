"""The shared wheel cache on the host: verified wheels, pip's HTTP cache, stubs, resolutions,
and what each sandbox image says of its Python.

Wheels are stored under their file name once their SHA-256 matches the one the
index published; they are moved in atomically, so evaluations running side by
side never see half a file. A resolution (requirements -> wheel set) is kept
for a while so that an unchanged repository resolves without the index.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_IMAGE_ID = re.compile(r"sha256:[0-9a-f]{64}")


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, kw_only=True)
class WheelCache:
    """Folders under one root (``CAPSTONE_EVAL_WHEEL_CACHE``)."""

    root: Path

    @property
    def wheels(self) -> Path:
        """Verified wheels, by file name."""
        return self.root / "wheels"

    @property
    def http(self) -> Path:
        """pip's own HTTP cache (index pages and metadata)."""
        return self.root / "http"

    def stubs(self, image_id: str) -> Path:
        """Stub wheels of one sandbox image's stack."""
        return self.root / "stubs" / image_id.removeprefix("sha256:")[:16]

    def has(self, filename: str, sha256: str) -> bool:
        """Whether the cache holds ``filename`` with exactly this content."""
        path = self.wheels / filename
        return path.is_file() and sha256_of(path) == sha256

    def store(self, downloaded: Path, sha256: str) -> bool:
        """Move a downloaded wheel in when its hash matches; False (and removed) when not."""
        if sha256_of(downloaded) != sha256:
            downloaded.unlink()
            return False
        self.wheels.mkdir(parents=True, exist_ok=True)
        downloaded.replace(self.wheels / downloaded.name)
        return True

    def size_bytes(self) -> int:
        """Bytes of wheels held."""
        if not self.wheels.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.wheels.iterdir() if p.is_file())

    def _resolution_path(self, key: str) -> Path:
        return self.root / "resolutions" / f"{key}.json"

    def load_resolution(self, key: str, max_age_s: float) -> dict[str, Any] | None:
        """A resolution saved less than ``max_age_s`` ago, or None."""
        path = self._resolution_path(key)
        try:
            if time.time() - path.stat().st_mtime > max_age_s:
                return None
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def save_resolution(self, key: str, data: dict[str, Any]) -> None:
        """Keep a resolution for later evaluations of the same requirements."""
        _write_whole(self._resolution_path(key), json.dumps(data, indent=1).encode())

    def _description_path(self, image_id: str) -> Path | None:
        if not _IMAGE_ID.fullmatch(image_id):
            return None
        return self.root / "images" / f"{image_id.removeprefix('sha256:')}.json"

    def load_description(self, image_id: str) -> bytes | None:
        """The ``target.json`` read from a sandbox image before, or None.

        An image id names the image's content, so what it says never changes.
        """
        path = self._description_path(image_id)
        try:
            return path.read_bytes() if path is not None else None
        except OSError:
            return None

    def save_description(self, image_id: str, raw: bytes) -> None:
        """Keep a sandbox image's ``target.json`` for later evaluations (best effort)."""
        path = self._description_path(image_id)
        if path is not None:
            with contextlib.suppress(OSError):  # the image can always be read again
                _write_whole(path, raw)


def _write_whole(path: Path, data: bytes) -> None:
    """Write then rename: evaluations running side by side never read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(data)
    partial.replace(path)
