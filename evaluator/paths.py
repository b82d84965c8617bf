"""Where the evaluator's bundled data lives (rubrics, benchmarks, sandbox, schemas).

In a source checkout or editable install these are the top-level folders of the
repository; in a wheel they are package data under ``evaluator/_bundled``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """Path of a bundled top-level folder such as ``rubrics`` or ``sandbox``."""
    packaged = _PACKAGE / "_bundled" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name
