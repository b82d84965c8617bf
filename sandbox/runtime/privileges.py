"""Becoming the learner, in a child of the supervisor (standard library only).

The supervisor runs as root with SETUID, SETGID and KILL; whatever runs learner
code or touches learner files first drops to the learner's uid (root without
DAC_OVERRIDE could not write its 0755 folders or read its 0600 files anyway),
or, for a root command, drops every capability. ``no-new-privileges`` keeps
either from regaining anything across exec.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Callable

CAPABILITY_VERSION_3 = 0x20080522
ENOSPC = 28


def drop_all_capabilities() -> None:
    """capset(2) to nothing: a root command keeps uid 0 but loses SETUID, SETGID and KILL."""

    class Header(ctypes.Structure):
        _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))

    class Data(ctypes.Structure):
        _fields_ = (
            ("effective", ctypes.c_uint32),
            ("permitted", ctypes.c_uint32),
            ("inheritable", ctypes.c_uint32),
        )

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.capset(ctypes.byref(Header(CAPABILITY_VERSION_3, 0)), (Data * 2)()) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def become(user: list[int] | None) -> None:
    """Turn the current (child) process into the learner: uid/gid, or root without capabilities."""
    # Written while still privileged: the OOM killer then prefers learner processes
    # to the supervisor, whose report would otherwise be lost.
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as handle:
        handle.write("800")
    if user is None:
        drop_all_capabilities()
        return
    uid, gid = user
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def run_as(user: list[int] | None, work: Callable[..., None], *args: object) -> int:
    """Run ``work(*args)`` in a forked child that became the learner; its exit status."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            become(user)
            work(*args)
            code = 0
        except OSError as exc:
            sys.stderr.write(f"supervisor child: {exc}\n")
            code = ENOSPC if exc.errno == ENOSPC else 1
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
