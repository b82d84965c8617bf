"""Loopback services the queue and GitHub tests start themselves: a Redis server, workers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "evaluator"]


def free_port() -> int:
    """A TCP port nobody listens on now (on 127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], object], *, timeout_s: float, what: str) -> object:
    """Poll ``condition`` until it returns something truthy; fail the test after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout_s} s waiting for {what}")


def require_redis() -> str:
    """Debian's redis-server (scripts/setup.sh --tests installs it); skipped outside CI."""
    found = shutil.which("redis-server")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs redis-server (scripts/setup.sh --tests installs it)")
        pytest.skip("redis-server is not installed; run scripts/setup.sh --tests")
    return found


class RedisServer:
    """A redis-server on 127.0.0.1 with an append-only file (fsynced on every write, or
    every second as Redis does by default)."""

    def __init__(self, folder: Path, *, fsync_always: bool = True) -> None:
        self.fsync = "always" if fsync_always else "everysec"
        self.binary = require_redis()
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """redis://127.0.0.1:PORT/0"""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart) the server on the same port and data folder; wait until it answers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", self.fsync, "--save", "", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self._answers, timeout_s=15, what="redis-server")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server (SIGTERM: it flushes the append-only file)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        self.proc = None


@contextmanager
def redis_server(folder: Path, *, fsync_always: bool = True) -> Iterator[RedisServer]:
    """A running RedisServer, stopped afterwards."""
    server = RedisServer(folder, fsync_always=fsync_always)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class CliProcess:
    """A ``capstone-eval`` command as a separate process, with its output in a file."""

    def __init__(self, args: list[str], env: Mapping[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [*CLI, *args], env=dict(env), stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO_ROOT
        )

    @property
    def owner(self) -> str:
        """host:pid, as the journal records it."""
        return f"{socket.gethostname()}:{self.proc.pid}"

    def kill(self) -> None:
        """SIGKILL, and reap the process (a zombie would still look alive)."""
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGINT (graceful), then SIGKILL if it does not stop."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def text(self) -> str:
        """Everything the process logged so far."""
        return self.log_path.read_text(errors="replace")


class WorkerProcess(CliProcess):
    """``capstone-eval worker`` with JSON logs."""

    def __init__(self, env: Mapping[str, str], log_path: Path, workers: int = 1) -> None:
        super().__init__(["worker", "--workers", str(workers), "--log-format", "json"], env,
                         log_path)  # fmt: skip


class ServeProcess(CliProcess):
    """``capstone-eval serve`` on a free port; ``url`` once it answers /healthz."""

    def __init__(self, env: Mapping[str, str], log_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        super().__init__(["serve", "--port", str(self.port), "--log-format", "json"], env,
                         log_path)  # fmt: skip
        wait_for(self._healthy, timeout_s=30, what="capstone-eval serve")

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            pytest.fail(f"serve exited: {self.text()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False
