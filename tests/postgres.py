"""A real PostgreSQL server for tests: a throw-away cluster in a temp dir on a free port.

Uses Debian's ``postgresql`` binaries (``initdb``, ``pg_ctl``; setup.sh --tests installs
them). PostgreSQL refuses to run as root, so as root the cluster runs as the
``postgres`` system user the package creates. Skipped outside CI when absent.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=120)


def _as_user() -> tuple[list[str], str]:
    """argv prefix that runs a command as a non-root user, and that user's name."""
    if os.geteuid() != 0:
        return [], pwd.getpwuid(os.geteuid()).pw_name
    return ["runuser", "-u", "postgres", "--"], "postgres"


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a cluster; yield its SQLAlchemy URL; stop and remove it afterwards."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs PostgreSQL (Debian package postgresql; scripts/setup.sh --tests)")
        pytest.skip("PostgreSQL not installed (Debian package: postgresql)")
    prefix, user = _as_user()
    root = Path(tempfile.mkdtemp(prefix="capstone-pg-"))
    data, port = root / "data", _free_port()
    if prefix:
        shutil.chown(root, user=user)
    log = root / "server.log"
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    _run([*prefix, initdb, "-D", str(data), "-U", user, "-A", "trust", "--no-sync"])
    _run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start"])
    try:
        createdb = _binary("createdb") or "createdb"
        _run([*prefix, createdb, "-h", "127.0.0.1", "-p", str(port), "-U", user, "results"])
        yield f"postgresql://{user}@127.0.0.1:{port}/results"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
