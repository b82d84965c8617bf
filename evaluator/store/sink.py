"""The job queue's ``store`` result target: ``capstone-eval batch`` puts evaluations here.

A job ``{"kind": "store", "options": {"learner": ..., "cohort": ..., "out": ...}}`` stores
its report (and the submission's source files, archived while the workspace exists)
in the results database under that learner and cohort, and writes report.json,
report.md and report.html into ``out/<learner>/<capstone>`` when ``out`` is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from pydantic import Field, JsonValue

from evaluator.config import EvaluatorConfig
from evaluator.model.base import FrozenModel
from evaluator.model.report import Report
from evaluator.queue.model import Job
from evaluator.queue.sinks import parse_options
from evaluator.reporting.files import REPORT_JSON, write_reports
from evaluator.store.database import open_store
from evaluator.store.records import Membership
from evaluator.store.save import save_report
from evaluator.store.sources import SourceArchive, archive_sources


class StoreOptions(FrozenModel):
    """Options of the ``store`` target."""

    learner: str = Field(min_length=1, description="Learner the evaluation is stored under.")
    cohort: str | None = Field(default=None, description="Their cohort.")
    out: str | None = Field(default=None, description="Also write the reports under this folder.")


def _safe(name: str) -> str:
    """A roster value as one path segment (no separators, no dot-dot)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "_"


def report_folder(out: Path, learner: str, capstone: str) -> Path:
    """Where a batch line's reports go under ``--out``: ``out/<learner>/<capstone>``."""
    return out / _safe(learner) / _safe(capstone)


class StoreSink:
    """Stores each finished job's report and sources in the results database."""

    def __init__(self, options: Mapping[str, JsonValue], config: EvaluatorConfig) -> None:
        self.options = parse_options(StoreOptions, options, "store")
        self.config = config
        self.sources: SourceArchive | None = None

    def git_config(self) -> tuple[tuple[str, str], ...]:
        """No credentials: batch sources are public URLs or local paths."""
        return ()

    def keep_workspace(self, root: Path) -> None:
        """Archive the submission's source files while its workspace exists."""
        self.sources = archive_sources(root)

    def started(self, job: Job) -> None:
        """Nothing to announce: batch shows progress from the job records."""

    def finished(self, job: Job, report: Report, folder: Path) -> None:
        """Store the report (an evaluation that could not run too: it shows as failed)."""
        options = self.options
        text = report.model_dump_json(indent=2) + "\n"
        save_report(
            open_store(self.config.store_url),
            text,
            membership=Membership(learner=options.learner, cohort=options.cohort),
            now=datetime.now(UTC),
            where=f"job {job.id}",
            sources=self.sources,
        )
        if options.out:
            capstone = job.source.capstone or report.capstone or "capstone"
            target = report_folder(Path(options.out), options.learner, capstone)
            write_reports(report, target / REPORT_JSON, lang=job.lang)

    def failed(self, job: Job, message: str) -> None:
        """Nothing to store: no report exists; the job record holds the reason."""
