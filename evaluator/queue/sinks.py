"""What a worker does with a job's result: pluggable sinks, picked by the job's target kind.

A producer names the sink in ``Job.target`` (``kind`` and ``options``); the
worker builds it here. The GitHub App publishes a comment and a check run;
``capstone-eval batch`` stores the report in the results database; ``folder``
writes the reports to a folder. A new destination is a class with these four
methods and one line in :data:`SINKS`; the queue and the worker stay as they are.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel, JsonValue, ValidationError

from evaluator.config import EvaluatorConfig
from evaluator.errors import ConfigError
from evaluator.model.base import FrozenModel
from evaluator.model.report import Report
from evaluator.queue.model import Job, ResultTarget
from evaluator.reporting.files import REPORT_JSON, write_reports


class ResultSink(Protocol):
    """Receives one job's life: before, the report, or the reason it was given up."""

    def git_config(self) -> tuple[tuple[str, str], ...]:
        """git settings for fetching the source (credentials), handed to git through its
        environment; empty for none."""
        ...

    def started(self, job: Job) -> None:
        """The evaluation begins (e.g. a check run goes ``in_progress``)."""
        ...

    def finished(self, job: Job, report: Report, folder: Path) -> None:
        """Deliver ``report`` (also written as report.json/md/html in ``folder``)."""
        ...

    def failed(self, job: Job, message: str) -> None:
        """The job was given up without a report; ``message`` says why."""
        ...


#: ``(options, config) -> sink``; options are the job target's, validated by the sink.
SinkFactory = Callable[[Mapping[str, JsonValue], EvaluatorConfig], ResultSink]

#: Sink kind -> "module:factory", imported when a job needs it (keeps workers light).
SINKS: dict[str, str] = {
    "folder": "evaluator.queue.sinks:FolderSink",
    "store": "evaluator.store.sink:StoreSink",
    "github": "evaluator.github.sink:GitHubSink",
}


def make_sink(target: ResultTarget, config: EvaluatorConfig) -> ResultSink:
    """The sink a job's target names, or ConfigError for an unknown kind or bad options."""
    path = SINKS.get(target.kind)
    if path is None:
        raise ConfigError(
            f"unknown result target {target.kind!r}",
            hint=f"use one of: {', '.join(sorted(SINKS))}",
        )
    module, _, name = path.partition(":")
    factory: SinkFactory = getattr(importlib.import_module(module), name)
    return factory(target.options, config)


M = TypeVar("M", bound=BaseModel)


def parse_options(model: type[M], options: Mapping[str, JsonValue], kind: str) -> M:
    """A sink's options validated by its model, or ConfigError naming the bad field."""
    try:
        return model.model_validate(dict(options))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "options"
        raise ConfigError(f"{kind} target: {where}: {first['msg']}") from None


class FolderOptions(FrozenModel):
    """Options of the ``folder`` target."""

    out: str
    """Folder for report.json, report.md and report.html."""


class FolderSink:
    """Writes the reports to a folder (``{"kind": "folder", "options": {"out": DIR}}``)."""

    def __init__(self, options: Mapping[str, JsonValue], config: EvaluatorConfig) -> None:
        self.out = Path(parse_options(FolderOptions, options, "folder").out)

    def git_config(self) -> tuple[tuple[str, str], ...]:
        """No credentials."""
        return ()

    def started(self, job: Job) -> None:
        """Nothing to announce."""

    def finished(self, job: Job, report: Report, folder: Path) -> None:
        """Write report.json, report.md and report.html into the target folder."""
        write_reports(report, self.out / REPORT_JSON, lang=job.lang)

    def failed(self, job: Job, message: str) -> None:
        """Nothing to write: the job record holds the reason."""
