"""What happened in one sandbox run (pure data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Output that processes print when they cannot create a process or thread.
_PIDS_MARKERS = (
    "Resource temporarily unavailable",
    "can't start new thread",
    "fork: retry",
    "Cannot fork",
    "BlockingIOError: [Errno 11]",
)


@dataclass(frozen=True, kw_only=True)
class RunOutcome:
    """What happened in one sandbox run."""

    exit_code: int | None
    timed_out: bool
    oom_killed: bool
    stdout: str
    stderr: str
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    duration_s: float
    results_dir: Path | None = None
    results: list[str] = field(default_factory=list)
    events: bytes = b""
    """The first bytes of the command's result stream (fd 3), when the spec asked for one."""
    events_over: bool = False
    """The result stream was longer than the spec allowed (the rest is dropped)."""
    full: tuple[str, ...] = ()
    """Bounded places that filled up, with their limits
    ("the workspace is full: 512 MiB / 100,000 files limit")."""
    dropped: tuple[str, ...] = ()
    """Result files not handed back, each with the limit it broke."""
    problems: tuple[str, ...] = ()
    """What the supervisor could not do (copy the workspace, read the results)."""
    leftover_processes: int = 0
    """Processes still running when the command ended; the supervisor killed them."""

    @property
    def pids_exhausted(self) -> bool:
        """Best-effort: the process table limit was hit (the engine does not report it)."""
        text = self.stdout[-20000:] + self.stderr[-20000:]
        return any(marker in text for marker in _PIDS_MARKERS)

    @property
    def ok(self) -> bool:
        """Exited 0 without being killed or breaking a limit."""
        return (
            self.exit_code == 0
            and not self.timed_out
            and not self.oom_killed
            and not self.full
            and not self.dropped
        )

    def failure_reason(self, wall_s: float, memory_bytes: int, pids: int) -> str | None:
        """A sentence naming the limit that stopped the run, or None."""
        reasons = (
            (self.timed_out, f"timed out after {wall_s:.0f} s (wall-clock limit) and was stopped"),
            (
                self.oom_killed,
                f"was killed for using more than {memory_bytes / 1024**3:.1f} GiB of memory "
                "(memory limit)",
            ),
            (bool(self.full), "filled the sandbox's disk: " + "; ".join(self.full)),
            (
                bool(self.dropped),
                "wrote result files over their limits: " + "; ".join(self.dropped[:5]),
            ),
            (bool(self.problems), "could not run: " + "; ".join(self.problems)),
            (
                self.exit_code not in (0, None) and self.pids_exhausted,
                f"could not start more processes or threads (limit: {pids})",
            ),
        )
        return next((text for hit, text in reasons if hit), None)
