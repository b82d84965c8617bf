"""Progress lines for long work, on stderr (GitHub Actions log groups when in Actions)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from evaluator.textsafe import visible

#: What long-running functions accept to report progress: one line at a time.
ProgressFn = Callable[[str], None]


class Progress:
    """Prints ``[  12.3s] message`` lines; callable, so it fits ``Callable[[str], None]``."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        if self.quiet:
            return
        elapsed = time.monotonic() - self.started
        # Messages can name learner files and packages: one visible line each.
        self.stream.write(f"[{elapsed:6.1f}s] {visible(message, multiline=False)}\n")
        self.stream.flush()
