"""Structured logs of the queue, the worker and the webhook server: one event per line.

``event(log, "job.started", job=..., attempt=...)`` logs a named event with
fields; the JSON format (the default of ``serve`` and ``worker``) writes one
object per line for a log collector, the text format ``name key=value`` for a
terminal. Tokens never appear: nothing logs a credential, and URLs are logged
as the producer gave them (never with a token in them).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

_FIELDS = "fields"


def event(log: logging.Logger, name: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log the event ``name`` with ``fields`` (values must be JSON-friendly)."""
    log.log(level, name, extra={_FIELDS: fields})


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "event", ...fields}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        """One JSON object for ``record``."""
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **getattr(record, _FIELDS, {}),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


class TextFormatter(logging.Formatter):
    """``HH:MM:SS level event key=value ...`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        """One line for ``record``."""
        fields = getattr(record, _FIELDS, {})
        pairs = " ".join(f"{key}={value}" for key, value in fields.items())
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{when} {record.levelname.lower():<7} {record.getMessage()} {pairs}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(fmt: str, *, verbose: bool = False, stream: TextIO | None = None) -> None:
    """Send every log line to ``stream`` (stderr) as ``json`` or ``text``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # huey's consumer is chatty at INFO (every task twice); its warnings still show.
    logging.getLogger("huey").setLevel(logging.INFO if verbose else logging.WARNING)
