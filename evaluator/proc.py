"""The one way the evaluator runs a host process.

Only trusted tools run on the host (git, ruff, apt-get, debootstrap, tar);
learner code never does. Commands are logged, and a failure raises
:class:`~evaluator.errors.CommandFailed` carrying argv, exit code and output.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Mapping, Sequence
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
