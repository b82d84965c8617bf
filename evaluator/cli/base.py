"""The ``capstone-eval`` group, the options commands share, and the one error boundary.

Every command parses its arguments and calls one ``run`` in ``evaluator/commands/``
through :func:`exit_with`: expected failures
(:class:`~evaluator.errors.EvaluatorError`) become a message, a hint and the
error's exit code; anything else a crash log, never a bare traceback.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import click

from evaluator import __version__
from evaluator.config import EvaluatorConfig, load_config
from evaluator.errors import EvaluatorError


def config() -> EvaluatorConfig:
    """The configuration from this process's environment (read once per command)."""
    return load_config(os.environ)


class _Configuration:
    """Stands for the configuration in :func:`exit_with`'s arguments: it is read inside the
    error boundary, so a bad setting (``CAPSTONE_EVAL_CPUS=abc``) is a message, not a
    traceback."""


CONFIG: Any = _Configuration()


LANG = click.option(
    "--lang",
    type=click.Choice(["en", "nl"]),
    default="en",
    show_default=True,
    help="Language of report.md and report.html.",
)
BASE = click.option(
    "--base",
    help="Pull request base (branch, tag, commit) of a git URL: the review reads the diff first.",
)
DIFF = click.option(
    "--diff", "diff_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A pull request's unified diff (e.g. from GitHub's API), read first by the review.",
)  # fmt: skip


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="capstone-eval")
@click.option("-v", "--verbose", is_flag=True, help="Log every host command.")
def cli(verbose: bool) -> None:
    """Evaluate AI/ML engineering capstone repositories in a Docker sandbox."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(message)s")


def _crash_folder() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "capstone-evaluator"


def exit_with(func: Callable[..., int], *args: Any, **kwargs: Any) -> None:
    """Run a command and exit with its code: the error boundary of every command."""
    from evaluator.textsafe import visible

    try:
        args = tuple(config() if arg is CONFIG else arg for arg in args)
        kwargs = {key: config() if arg is CONFIG else arg for key, arg in kwargs.items()}
        code = func(*args, **kwargs)
    except EvaluatorError as exc:
        error: EvaluatorError = exc
    except KeyboardInterrupt:
        click.echo("interrupted; sandbox containers were removed", err=True)
        sys.exit(130)
    except BrokenPipeError:
        raise  # the reader went away (`... --json | head`): click ends quietly, exit 1
    except Exception as exc:  # noqa: BLE001 - a bug gets a crash log, never a bare traceback
        from evaluator.crash import internal_error, write_crash_log

        context = f"running capstone-eval {' '.join(sys.argv[1:2])}".rstrip()
        error = internal_error(exc, write_crash_log(_crash_folder(), exc, context=context))
    else:
        sys.exit(code)
    # Messages can quote learner text (a file name, git's output): shown, never acted on.
    click.secho(f"error: {visible(error.message)}", fg="red", err=True)
    if error.hint:
        click.echo(f"  hint: {visible(error.hint)}", err=True)
    sys.exit(error.exit_code)


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM takes the same clean-up path as Ctrl-C (containers are removed).
    raise KeyboardInterrupt


def main() -> int:
    """Entry point of the ``capstone-eval`` console script."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli.main(standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0
