"""The one error hierarchy of the evaluator.

Every expected failure of the *evaluator itself* (engine down, unreachable
repository, bad rubric file) is an :class:`EvaluatorError` with a message that
says what went wrong and a hint that says what to do next. The CLI handles them
once, in ``main``. Failures of *learner code* are never exceptions: they are
check results with status ``fail`` or ``error``.
"""

from __future__ import annotations

#: Where ``str(error)`` puts the hint; a report's ``error`` keeps both in one string.
HINT_MARK = "\n  hint: "


class EvaluatorError(Exception):
    """Base of all expected evaluator failures.

    ``exit_code`` is what the CLI exits with; 2 means "the evaluation itself
    could not run", as documented for ``capstone-eval evaluate``.
    """

    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}{HINT_MARK}{self.hint}"
        return self.message


def split_hint(text: str) -> tuple[str, str | None]:
    """The message and the hint of an error as ``str(error)`` wrote it (a report's ``error``)."""
    message, found, hint = text.partition(HINT_MARK)
    return message, (hint if found else None)


class ConfigError(EvaluatorError):
    """A configuration, rubric or benchmark definition file is invalid."""


class UsageError(EvaluatorError):
    """The command line asked for something that cannot be done."""


class SourceError(EvaluatorError):
    """The submission could not be fetched: bad path, unreachable repository, unknown ref."""


class SubmissionTooLarge(EvaluatorError):
    """The submission exceeds the workspace size or file-count limits."""


class EngineUnavailable(EvaluatorError):
    """No Docker engine answers, or the sandbox image is missing."""


class SetupError(EvaluatorError):
    """Installing or preparing the engine or the sandbox image failed."""


class CommandFailed(EvaluatorError):
    """A host command run through :func:`evaluator.proc.run` exited non-zero."""

    def __init__(
        self, argv: list[str], returncode: int, stdout: str, stderr: str, *, hint: str | None = None
    ) -> None:
        shown = " ".join(argv)
        message = (
            f"command failed with exit code {returncode}: {shown}\n"
            f"--- stdout (tail) ---\n{stdout[-2000:]}\n--- stderr (tail) ---\n{stderr[-2000:]}"
        )
        super().__init__(message, hint=hint)
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


class InternalError(EvaluatorError):
    """An unexpected failure inside the evaluator (a bug): a crash log holds the details."""
