"""The supervisor's report, read back from the container log (pure).

The supervisor (``sandbox/runtime/supervisor.py``) writes one framed,
base64-encoded tar to its stdout after every learner process is gone; no
learner process ever holds that stream. The host still parses it as untrusted
input: bounded in size, checked against its length and digest, only regular
files with plain relative names kept, each one capped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from pydantic import Field, ValidationError

from evaluator.model.base import FrozenModel

FRAME_BEGIN = b"==capstone-frame-v1 begin"
FRAME_END = b"==capstone-frame-v1 end"
_BEGIN = re.compile(rb"^==capstone-frame-v1 begin (\d+)==$", re.MULTILINE)
_END = re.compile(rb"^==capstone-frame-v1 end ([0-9a-f]{64})==$", re.MULTILINE)
_OWN_MEMBERS = {"outcome.json", "stdout", "stderr", "events", "dropped.json"}


class FrameError(ValueError):
    """The log holds no complete, intact report."""


class FullMount(FrozenModel):
    """A bounded file system that ran out of space or files."""

    name: str = Field(max_length=200)
    path: str = Field(max_length=200)
    space: bool = False
    files: bool = False


class SupervisorOutcome(FrozenModel):
    """``outcome.json``: what the supervisor saw of the command."""

    exit_code: int | None = None
    signal: int | None = None
    timed_out: bool = False
    duration_s: float = 0.0
    leftover_processes: int = 0
    full: list[FullMount] = Field(default_factory=list, max_length=16)
    events_over: bool = False
    problems: list[str] = Field(default_factory=list, max_length=16)
    stdout_truncated: bool = False
    stderr_truncated: bool = False


@dataclass(frozen=True, kw_only=True)
class Frame:
    """A parsed report: the outcome, the output tails, the result stream and files."""

    outcome: SupervisorOutcome
    stdout: bytes = b""
    stderr: bytes = b""
    events: bytes = b""
    results: dict[str, bytes] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()
    """Result files left out, each with the limit it broke."""


def _payload(log: bytes, max_bytes: int) -> bytes:
    begins = list(_BEGIN.finditer(log))
    if not begins:
        raise FrameError("the sandbox supervisor wrote no report")
    begin = begins[-1]
    size = int(begin.group(1))
    if size > max_bytes:
        raise FrameError(f"the report is {size} bytes, over its {max_bytes}-byte limit")
    end = _END.search(log, begin.end())
    if end is None:
        raise FrameError("the report is cut short")
    text = log[begin.end() : end.start()].replace(b"\n", b"")
    try:
        payload = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise FrameError(f"the report is not base64: {exc}") from None
    if len(payload) != size or hashlib.sha256(payload).hexdigest().encode() != end.group(1):
        raise FrameError("the report does not match its length and digest")
    return payload


def safe_result_name(name: str) -> str | None:
    """``results/a/b.json`` -> ``a/b.json``; None for anything that is not a plain path."""
    parts = PurePosixPath(name).parts
    if len(parts) < 2 or parts[0] != "results":
        return None
    rest = parts[1:]
    if any(p in ("", ".", "..") or "\\" in p or "\x00" in p for p in rest):
        return None
    if len(name) > 1024:
        return None
    return "/".join(rest)


def parse_frame(log: bytes, *, max_bytes: int, file_bytes: int, max_files: int) -> Frame:
    """The report in a container's stdout log, checked and capped (pure)."""
    payload = _payload(log, max_bytes)
    members: dict[str, bytes] = {}
    results: dict[str, bytes] = {}
    dropped: list[str] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                handle = tar.extractfile(member)
                if handle is None:
                    continue
                if member.name in _OWN_MEMBERS:
                    members[member.name] = handle.read()
                    continue
                name = safe_result_name(member.name)
                if name is None:
                    continue
                if member.size > file_bytes:
                    dropped.append(f"{name}: over the {file_bytes}-byte limit per result file")
                elif len(results) >= max_files:
                    dropped.append(f"{name}: over the limit of {max_files} result files")
                else:
                    results[name] = handle.read()
    except tarfile.TarError as exc:
        raise FrameError(f"the report is not a tar archive: {exc}") from None
    try:
        outcome = SupervisorOutcome.model_validate_json(members.get("outcome.json", b""))
        noted = json.loads(members.get("dropped.json", b"[]"))
    except (ValidationError, ValueError) as exc:
        raise FrameError(f"the report's outcome is unreadable: {exc}") from None
    if isinstance(noted, list):
        dropped = [str(n)[:300] for n in noted[:50]] + dropped
    return Frame(
        outcome=outcome,
        stdout=members.get("stdout", b""),
        stderr=members.get("stderr", b""),
        events=members.get("events", b""),
        results=results,
        dropped=tuple(dropped),
    )
