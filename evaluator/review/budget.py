"""What the review may spend: per run, and per cohort across runs.

The cohort's spending is read through :class:`SpentSource`, anything that says how many
USD reviews have spent so far and takes new spending: by default a small JSON ledger
file (:class:`FileLedger`); a results store can plug in its own. A call whose price is
unknown (a local model litellm has no price for) is not counted in dollars.
"""

from __future__ import annotations

import fcntl
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class SpentSource(Protocol):
    """Where the cohort's spending is read from and added to."""

    def spent_usd(self) -> float:
        """USD spent by reviews so far."""
        ...

    def add(self, cost_usd: float) -> None:
        """Record a call's cost."""
        ...


@dataclass(frozen=True, kw_only=True)
class FileLedger:
    """``{"spent_usd": x}`` in a file, updated under an exclusive lock (parallel runs)."""

    path: Path

    def spent_usd(self) -> float:
        """USD recorded so far (0 without a file)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return float(data.get("spent_usd", 0.0))
        except (OSError, ValueError, TypeError, AttributeError):
            return 0.0

    def add(self, cost_usd: float) -> None:
        """Add ``cost_usd`` to the ledger."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            try:
                spent = float(json.loads(handle.read() or "{}").get("spent_usd", 0.0))
            except (ValueError, TypeError, AttributeError):
                spent = 0.0
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"spent_usd": round(spent + cost_usd, 6)}))


def _over(spent: float, cost: float, limit: float) -> bool:
    # A spent budget stops even calls of unknown price; otherwise the estimate must fit.
    return spent >= limit or spent + cost > limit


@dataclass(kw_only=True)
class Budget:
    """The run's and the cohort's limits, and what this run has spent."""

    run_limit_usd: float | None
    cohort_limit_usd: float | None
    cohort: SpentSource
    run_spent_usd: float = field(default=0.0)

    def refusal(self, estimate_usd: float | None) -> str | None:
        """Why a call estimated at ``estimate_usd`` may not be made, or None when it may."""
        cost = estimate_usd or 0.0
        if self.run_limit_usd is not None and _over(self.run_spent_usd, cost, self.run_limit_usd):
            return (
                f"the run's budget of ${self.run_limit_usd:g} is spent "
                f"(${self.run_spent_usd:.4f} spent, next call about ${cost:.4f})"
            )
        if self.cohort_limit_usd is not None:
            spent = self.cohort.spent_usd()
            if _over(spent, cost, self.cohort_limit_usd):
                return (
                    f"the cohort's budget of ${self.cohort_limit_usd:g} is spent "
                    f"(${spent:.4f} spent, next call about ${cost:.4f})"
                )
        return None

    def charge(self, cost_usd: float | None) -> None:
        """Count a call's cost (unknown costs count nothing)."""
        if cost_usd:
            self.run_spent_usd += cost_usd
            self.cohort.add(cost_usd)
