"""Who owns a container, volume or scratch folder, and whether that owner still runs.

Every sandbox resource names the evaluator process that made it, so a later
evaluation can remove what a killed one left behind without touching the
resources of evaluations still running. A pid alone is not enough: pids are
reused, and processes in another pid namespace (another machine or container
sharing the engine) are invisible here. The owner id is therefore
``<pid namespace>.<pid>.<start time>``; an owner in another namespace is never
judged dead.
"""

from __future__ import annotations

import os
import re
import socket
from functools import cache
from pathlib import Path

_PROC = Path("/proc")
_OWNER_ID = re.compile(r"^(?P<ns>\d+)\.(?P<pid>\d+)\.(?P<start>\d+)$")


def process_owner() -> str:
    """``host:pid`` of this evaluator process, recorded on every container it creates."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _start_time(pid: int, proc: Path = _PROC) -> int | None:
    """Start time of ``pid`` in clock ticks since boot (``/proc/PID/stat`` field 22)."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


@cache
def _pid_namespace(proc: Path = _PROC) -> int:
    try:
        return (proc / "self" / "ns" / "pid").stat().st_ino
    except OSError:
        return 0


def owner_id(pid: int | None = None) -> str:
    """``<pid namespace>.<pid>.<start time>`` of this (or the given) process."""
    pid = os.getpid() if pid is None else pid
    return f"{_pid_namespace()}.{pid}.{_start_time(pid) or 0}"


def owner_id_is_alive(value: str) -> bool:
    """Whether the process named by an owner id still runs; unreadable or foreign: alive."""
    match = _OWNER_ID.match(value)
    if match is None:
        return True  # not written by us: not ours to remove
    if int(match["ns"]) != _pid_namespace():
        return True  # another pid namespace: its processes are invisible from here
    start = _start_time(int(match["pid"]))
    return start is not None and start == int(match["start"])


def owner_is_alive(owner: str, *, host: str | None = None) -> bool:
    """Whether ``owner`` (``host:pid``) is a live process on this host.

    The older label, kept for containers that have no owner id. A container of
    another host is not ours to judge (alive); an unreadable one of this host is dead.
    """
    this_host = host or socket.gethostname()
    name, _, pid_text = owner.rpartition(":")
    if name != this_host:
        return bool(name)
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
