"""Progress lines for long work, on stderr (GitHub Actions log groups when in Actions)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

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
        self.stream.write(f"[{elapsed:6.1f}s] {message}\n")
        self.stream.flush()
