"""The crash log: what a user pastes into a bug report when the evaluator itself failed.

Expected failures are :class:`~evaluator.errors.EvaluatorError` with a message
and a hint. Anything else is a bug; the command that meets it still finishes
its job as far as it can (``evaluate`` writes a report with verdict ``error``),
and writes the traceback with the versions involved to a crash log, in the way
pre-commit's ``error_handler`` does.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import traceback
from importlib import metadata
from pathlib import Path

from evaluator import __version__
from evaluator.errors import InternalError
from evaluator.proc import run as run_process
from evaluator.textsafe import visible

CRASH_LOG = "crash.log"
_PACKAGES = ("pydantic", "docker", "jinja2", "pyyaml", "click")


def _git_version() -> str:
    try:
        done = run_process(["git", "--version"], check=False, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    return done.stdout.strip() or done.stderr.strip()


def versions() -> dict[str, str]:
    """The versions a maintainer needs to reproduce a crash."""
    found = {"capstone-eval": __version__, "python": sys.version.replace("\n", " ")}
    found["platform"] = platform.platform()
    for package in _PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    found["git"] = _git_version()
    return found


def crash_text(exc: BaseException, *, context: str) -> str:
    """The crash log's text: versions, what was being done, the traceback (control chars shown)."""
    lines = "\n".join(f"{name}: {value}" for name, value in versions().items())
    trace = "".join(traceback.format_exception(exc)).rstrip()
    text = (
        f"### version information\n\n```\n{lines}\n```\n\n"
        f"### error information\n\n```\nAn unexpected error has occurred while {context}: "
        f"{type(exc).__name__}: {exc}\n```\n\n```\n{trace}\n```\n"
    )
    return visible(text)


def write_crash_log(folder: Path, exc: BaseException, *, context: str) -> Path | None:
    """Write ``folder/crash.log``, else a crash log in the temp folder; None when neither works."""
    text = crash_text(exc, context=context)
    fallback = Path(tempfile.gettempdir()) / f"crash-capstone-eval-{os.getpid()}.log"
    for path in (folder / CRASH_LOG, fallback):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError:
            continue
        return path
    return None


def internal_error(exc: BaseException, log: Path | None) -> InternalError:
    """The error a user sees for an unexpected exception: what happened and what to do."""
    what = visible(f"{type(exc).__name__}: {exc}", multiline=False)[:300]
    where = f"with {log}" if log else "with this message (no crash log could be written)"
    return InternalError(
        f"internal error: {what}",
        hint=f"this is a bug in capstone-eval: please report it {where}",
    )
