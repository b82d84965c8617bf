"""Storing an evaluation from a command: the sources kept during the run, and a store
failure that never loses the report already written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click

from evaluator.config import EvaluatorConfig
from evaluator.errors import EvaluatorError
from evaluator.model.report import Report
from evaluator.store.records import Membership
from evaluator.store.sources import SourceArchive, archive_sources


class KeptSources:
    """Called with the workspace during the evaluation; keeps an archive of its sources."""

    def __init__(self) -> None:
        self.archive: SourceArchive | None = None

    def __call__(self, root: Path) -> None:
        self.archive = archive_sources(root)


def store_evaluation(
    load: Callable[[], EvaluatorConfig],
    report: Report,
    membership: Membership | None,
    sources: SourceArchive | None,
    written: Path,
) -> None:
    """Store the evaluation; on failure say so and how to store it later (the files stay).

    ``load`` gives the configuration (it may fail: then too the report files stay)."""
    from evaluator.store.database import open_store  # SQLAlchemy and Alembic: loaded when storing
    from evaluator.store.save import save_report

    text = report.model_dump_json(indent=2) + "\n"
    try:
        store = open_store(load().store_url)
        stored = save_report(
            store, text, membership=membership, now=datetime.now(UTC), sources=sources
        )
    except EvaluatorError as exc:
        click.secho(f"warning: not stored: {exc.message}", fg="yellow", err=True)
        click.echo(
            f"  hint: `capstone-eval cohort import {written.parent}` stores it later", err=True
        )
        return
    action = "stored" if stored.created else "updated"
    click.echo(f"{action} evaluation {stored.evaluation_id} in the results store", err=True)
