"""The one way the evaluator runs a host process.

Only trusted tools run on the host (git, ruff, apt-get, debootstrap, tar);
learner code never does. Commands are logged, and a failure raises
:class:`~evaluator.errors.CommandFailed` carrying argv, exit code and output.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from evaluator.errors import CommandFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Completed:
    """Outcome of a host command."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str


def run(
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float | None = None,
    input_text: str | None = None,
) -> Completed:
    """Run ``argv`` (no shell), capture its output, raise on failure when ``check``."""
    args = [str(a) for a in argv]
    log.debug("run: %s", " ".join(args))
    proc = subprocess.run(
        args,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input_text,
        check=False,
    )
    done = Completed(argv=args, returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)
    if check and proc.returncode != 0:
        raise CommandFailed(args, proc.returncode, proc.stdout, proc.stderr)
    return done


#: How often :func:`run_watched` asks its watch.
WATCH_EVERY_S = 0.25


def run_watched(
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float,
    watch: Callable[[], bool] | None,
) -> Completed | None:
    """Like :func:`run` without ``check``, but killed (returns None) as soon as ``watch()``
    says False, or None when it says so once the command has ended (a command quicker than
    one look); raises :class:`subprocess.TimeoutExpired` past ``timeout``."""
    if watch is None:
        return run(argv, cwd=cwd, env=env, check=False, timeout=timeout)
    args = [str(a) for a in argv]
    log.debug("run: %s", " ".join(args))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            args, cwd=cwd, env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL, stdout=out, stderr=err,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        try:
            while child.poll() is None:
                if not watch():
                    return None
                if time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(args, timeout)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(WATCH_EVERY_S)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        if not watch():
            return None
        out.seek(0)
        err.seek(0)
        return Completed(
            argv=args,
            returncode=child.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
