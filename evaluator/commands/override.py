"""``capstone-eval override REPORT CRITERION --level N --note TEXT --by NAME``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from evaluator.commands.storing import store_evaluation
from evaluator.config import EvaluatorConfig
from evaluator.errors import UsageError
from evaluator.model.criteria import Override
from evaluator.reporting.files import (
    REPORT_PREVIOUS,
    read_report,
    report_path,
    try_read_report,
    write_reports,
)
from evaluator.rubrics.apply import record_override


def run(
    report_file: Path,
    criterion: str,
    *,
    level: int,
    note: str,
    by: str,
    lang: str,
    previous: Path | None,
    now: datetime,
    config: EvaluatorConfig | None = None,
) -> int:
    """Record a mentor decision in report.json, re-decide, re-render md and html beside it.

    With ``config`` the updated evaluation (and the override, as its own record) also
    goes into the results store.
    """
    path = report_path(report_file)
    report = read_report(path)
    known = [c.id for c in report.criteria]
    if not known:
        raise UsageError(
            f"{path} holds no rubric decision to override",
            hint="evaluate with a rubric first (the capstone id picks it)",
        )
    if criterion not in known:
        raise UsageError(
            f"no criterion {criterion!r} in {path}", hint=f"use one of: {', '.join(known)}"
        )
    if not note.strip() or not by.strip():
        raise UsageError("an override needs a note and a mentor name", hint="give --note and --by")
    before = next(c for c in report.criteria if c.id == criterion)
    old_verdict = report.decision.verdict.value if report.decision else "-"
    override = Override(criterion=criterion, level=level, note=note, by=by, at=now)
    updated = record_override(report, override)
    after = next(c for c in updated.criteria if c.id == criterion)
    beside = path.with_name(REPORT_PREVIOUS)
    earlier = read_report(previous) if previous else try_read_report(beside)
    write_reports(updated, path, lang=lang, previous=earlier)
    if config is not None:
        store_evaluation(lambda: config, updated, None, None, path)
    new_verdict = updated.decision.verdict.value if updated.decision else "-"
    click.echo(f"{criterion}: {before.status.value} -> {after.status.value} (level {level}, {by})")
    click.echo(
        f"verdict: {old_verdict} -> {new_verdict}; wrote report.json, report.md, report.html"
    )
    return 0
