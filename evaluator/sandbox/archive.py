"""Tar archives into and out of the sandbox.

Into: the evaluator-owned input volume (runtime, run configuration, the
submission), every entry owned by root with plain modes, so the learner can
read but never change it. Out: result files from the supervisor's report,
written below a host folder under names already checked by the frame parser.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from evaluator.paths import bundled
from evaluator.sandbox.spec import SANDBOX_UID


def _plain(info: tarfile.TarInfo, uid: int) -> tarfile.TarInfo | None:
    """Owner ``uid``, modes 0755/0644 (executable bits kept), links as links, nothing else."""
    if not (info.isfile() or info.isdir() or info.issym()):
        return None
    info.uid = info.gid = uid
    info.uname = info.gname = ""
    if info.isdir() or (info.isfile() and info.mode & 0o111):
        info.mode = 0o755
    elif info.isfile():
        info.mode = 0o644
    return info


def tar_directory(root: Path, arcroot: str = ".", uid: int = SANDBOX_UID) -> bytes:
    """A tar archive of ``root`` with every entry owned by ``uid`` (links kept as links)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(root, arcname=arcroot, recursive=True, filter=lambda i: _plain(i, uid))
    return buffer.getvalue()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


@cache
def runtime_files() -> tuple[tuple[str, bytes], ...]:
    """The files of ``sandbox/runtime`` (read once per process)."""
    folder = bundled("sandbox") / "runtime"
    return tuple(
        (path.relative_to(folder).as_posix(), path.read_bytes())
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    )


def inputs_archive(
    config: Mapping[str, Any], inputs: Mapping[str, bytes], workspace: Path | None
) -> bytes:
    """The tar put into /capstone-in: runtime/, run.json, the spec's inputs, workspace/."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folder = tarfile.TarInfo("runtime")
        folder.type, folder.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(folder)
        for name, data in runtime_files():
            _add_bytes(tar, f"runtime/{name}", data)
        _add_bytes(tar, "run.json", json.dumps(dict(config)).encode())
        for name, data in inputs.items():
            _add_bytes(tar, name, data)
        if workspace is not None:
            tar.add(workspace, arcname="workspace", recursive=True, filter=lambda i: _plain(i, 0))
    return buffer.getvalue()


def write_results(results: Mapping[str, bytes], dest: Path) -> list[str]:
    """Write result files (names already checked: relative, no ``..``) below ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    root = dest.resolve()
    for name, data in results.items():
        out = (dest / name).resolve()
        if not out.is_relative_to(root) or out == root:
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        written.append(name)
    return written
