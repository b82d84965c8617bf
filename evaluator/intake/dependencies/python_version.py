"""``.python-version`` and ``runtime.txt``: which Python the learner develops on.

Both name one version (``3.12``, ``3.12.4``, ``python-3.12.4``); they choose
among the interpreters that the project's ``requires-python`` allows.
"""

from __future__ import annotations

import re

from evaluator.intake.dependencies.collect import Collector
from evaluator.intake.dependencies.model import Origin

_VERSION = re.compile(r"^(?:python-?|cpython-?)?(?P<version>3(?:\.\d+){1,2})$", re.IGNORECASE)


def version_pin(text: str) -> str | None:
    """A specifier for the first version named in a ``.python-version``/``runtime.txt`` (pure)."""
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if not word:
            continue
        match = _VERSION.match(word)
        if match is None:
            return None
        version = match.group("version")
        return f"=={version}" if version.count(".") == 2 else f"=={version}.*"
    return None


def read_version_files(sink: Collector) -> None:
    """The version named in ``.python-version`` and ``runtime.txt``."""
    for relative in (".python-version", "runtime.txt"):
        text = sink.read_text(relative)
        if text is None:
            continue
        pin = version_pin(text)
        origin = Origin(path=relative, line=1)
        if pin is None:
            sink.notes.append(f"{relative}: no CPython version found (expected e.g. 3.12); ignored")
            continue
        sink.ask_python(pin, origin, required=False)
