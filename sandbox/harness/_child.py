"""Helpers the in-sandbox harnesses share (evaluator-owned, mounted read-only).

A harness reports on the sandbox's result stream (fd 3, a pipe to the
supervisor), never in a file: learner code in the same container cannot write
to it, since children never inherit it and this process is not dumpable (no
other process of the same user may open its file descriptors or read its
memory). A learner command runs as a child in its own session, so that it and
everything it starts can be stopped together; its output is kept as a bounded
tail. Standard library only; runs on the sandbox image's Python (3.10+).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

TAIL_BYTES = 16 * 1024
PR_SET_DUMPABLE = 4
EVENTS_FD = 3
#: The evaluator's runtime helpers, in every sandbox run (``evaluator.sandbox.spec.RUNTIME``).
RUNTIME_DIR = "/capstone-in/runtime"


def use_site_packages() -> None:
    """The stack's site folders on sys.path, without running any ``.pth`` file.

    Harnesses start as ``python -I -S``: nothing a learner's dependency installed
    (a ``.pth`` file, a ``sitecustomize``) runs in them; one that needs the stack's
    libraries adds their folders with this, after the standard library.
    """
    sys.path.insert(0, RUNTIME_DIR)
    try:
        from sitedirs import use_site_dirs
    finally:
        sys.path.remove(RUNTIME_DIR)
    use_site_dirs()


def take_result_stream() -> None:
    """Make this process undumpable and keep the result stream from its children."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    os.set_inheritable(EVENTS_FD, False)


def emit(event: str, data: dict[str, Any]) -> None:
    """Send one report event (a JSON line) on the result stream."""
    line = (json.dumps({"event": event, "data": data}) + "\n").encode()
    while line:
        line = line[os.write(EVENTS_FD, line) :]


class Child:
    """A shell command running in its own session, with the tail of its output kept."""

    def __init__(self, command: str, cwd: str, env: dict[str, str] | None = None) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            ["sh", "-c", command],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._tail = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stream = self.process.stdout
        if stream is None:
            return
        for chunk in iter(lambda: stream.read1(65536), b""):
            with self._lock:
                self._tail += chunk
                del self._tail[:-TAIL_BYTES]

    def tail(self) -> str:
        """The last output of the command (stdout and stderr together)."""
        with self._lock:
            return bytes(self._tail).decode("utf-8", errors="replace")

    def exit_code(self) -> int | None:
        """The exit status once it has ended, else None."""
        return self.process.poll()

    def wait(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` seconds; the exit status, or None if it still runs."""
        try:
            return self.process.wait(timeout=max(timeout, 0))
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace_s: float = 5.0) -> str:
        """SIGTERM to the whole session, SIGKILL after ``grace_s``; says how it ended."""
        if self.process.poll() is not None:
            how = "had exited"
        else:
            self._group(signal.SIGTERM)
            how = "stopped on SIGTERM"
            if self.wait(grace_s) is None:
                how = f"did not stop within {grace_s:.0f} s of SIGTERM and was killed"
        self._group(signal.SIGKILL)  # whatever it left running in its session
        self.wait(5)
        self._reader.join(timeout=1)
        return how

    def _group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)
