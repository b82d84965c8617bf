"""Handing the results back: collected after every learner process is gone (standard library only).

The result files are read by a child that became the learner (regular files
only, capped), then the supervisor writes one framed, base64-encoded tar to its
own stdout, which no learner process ever held. The host parses it in
``evaluator/sandbox/frame.py``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import signal
import stat
import sys
import tarfile

from privileges import become

FRAME_BEGIN = "==capstone-frame-v1 begin"
FRAME_END = "==capstone-frame-v1 end"
LINE = 16000  # base64 characters per log line (the json-file driver splits at 16 KiB)


def collect_results(folder: str, limits: dict[str, int], write_fd: int) -> None:
    """(In a child that became the learner.) A tar of the regular files under ``folder``.

    Links, devices and FIFOs are skipped; files over the per-file limit, past the
    file-count limit or the total are named in ``dropped.json`` instead.
    """
    dropped: list[str] = []
    total = files = 0
    mib = 1024 * 1024
    with os.fdopen(write_fd, "wb") as pipe, tarfile.open(fileobj=pipe, mode="w|") as tar:
        for root, dirs, names in os.walk(folder, followlinks=False):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(root, name)
                rel = os.path.relpath(path, folder)
                try:
                    rel.encode("utf-8")
                except UnicodeEncodeError:
                    dropped.append(f"{rel.encode('utf-8', 'replace').decode()}: name is not UTF-8")
                    continue
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                except OSError:
                    continue
                with os.fdopen(fd, "rb") as handle:
                    info = os.fstat(handle.fileno())
                    if not stat.S_ISREG(info.st_mode):
                        continue
                    size = info.st_size
                    if files >= limits["files"]:
                        dropped.append(f"{rel}: over the limit of {limits['files']} result files")
                        continue
                    if size > limits["file_bytes"]:
                        dropped.append(
                            f"{rel} is {size / mib:.1f} MiB, over the "
                            f"{limits['file_bytes'] / mib:.0f} MiB limit per result file"
                        )
                        continue
                    if total + size > limits["bytes"]:
                        dropped.append(
                            f"{rel}: the result files exceed the "
                            f"{limits['bytes'] / mib:.0f} MiB limit in total"
                        )
                        continue
                    data = handle.read(size)
                member = tarfile.TarInfo("results/" + rel)
                member.size = len(data)
                tar.addfile(member, io.BytesIO(data))
                total += len(data)
                files += 1
        note = json.dumps(dropped).encode()
        member = tarfile.TarInfo("dropped.json")
        member.size = len(note)
        tar.addfile(member, io.BytesIO(note))


def gather_results(config: dict[str, object]) -> tuple[bytes, str | None]:
    """The learner-side tar of /results, read with a hard cap; (bytes, problem)."""
    limits = {k: int(v) for k, v in config["results_limits"].items()}  # type: ignore[attr-defined]
    cap = limits["bytes"] + 512 * (limits["files"] + 4) * 3 + 65536
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            become(config.get("user"))  # type: ignore[arg-type]
            collect_results(str(config["results_dir"]), limits, write_end)
            os._exit(0)
        except BaseException as exc:  # noqa: BLE001 - report anything, then leave
            os.write(2, f"collecting results failed: {exc}\n".encode())
            os._exit(1)
    os.close(write_end)
    data = bytearray()
    with os.fdopen(read_end, "rb") as pipe:
        while chunk := pipe.read(65536):
            data += chunk
            if len(data) > cap:
                os.kill(pid, signal.SIGKILL)
                break
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if len(data) > cap:
        return b"", "the result files exceed their size limit"
    if status != 0:
        return b"", "the result files could not be read"
    return bytes(data), None


def frame(members: dict[str, bytes], results_tar: bytes) -> bytes:
    """One tar: the supervisor's own files plus the learner's result files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if results_tar:
            with tarfile.open(fileobj=io.BytesIO(results_tar), mode="r|") as source:
                for member in source:
                    if member.isfile():
                        handle = source.extractfile(member)
                        if handle is not None:
                            tar.addfile(member, handle)
    return buffer.getvalue()


def emit(payload: bytes) -> None:
    """Write the frame to stdout in lines the log driver keeps whole."""
    text = base64.b64encode(payload).decode("ascii")
    digest = hashlib.sha256(payload).hexdigest()
    out = sys.stdout
    out.write(f"\n{FRAME_BEGIN} {len(payload)}==\n")
    for start in range(0, len(text), LINE):
        out.write(text[start : start + LINE] + "\n")
    out.write(f"{FRAME_END} {digest}==\n")
    out.flush()
