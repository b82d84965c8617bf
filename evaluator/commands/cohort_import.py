"""``capstone-eval cohort import DIR``: store the report folders found under DIR."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from evaluator.cohort.roster import RosterEntry, read_roster
from evaluator.config import EvaluatorConfig
from evaluator.errors import ConfigError, UsageError
from evaluator.reporting.files import REPORT_JSON, REPORT_PREVIOUS
from evaluator.rubrics.loader import rubric_paths, rubrics_dir
from evaluator.store.database import open_store
from evaluator.store.identity import learner_from_source
from evaluator.store.records import Membership, parse_report
from evaluator.store.save import save_report


def report_files(folder: Path) -> list[Path]:
    """Every report.json (and the earlier attempt kept beside it) under ``folder``, sorted."""
    found = [*folder.rglob(REPORT_JSON), *folder.rglob(REPORT_PREVIOUS)]
    return sorted(p for p in found if p.is_file() and not p.is_symlink())


def _by_source(roster: list[RosterEntry]) -> dict[str, RosterEntry]:
    return {entry.repo.rstrip("/"): entry for entry in roster}


def _membership(
    location: str,
    *,
    learner: str | None,
    cohort: str | None,
    roster: dict[str, RosterEntry],
) -> Membership | None:
    """Flags first, then the roster; None keeps what is stored (or derives it from the source)."""
    entry = roster.get(location.rstrip("/"))
    if entry is None and learner is None and cohort is None:
        return None
    return Membership(
        learner=learner or (entry.learner if entry else learner_from_source(location)),
        cohort=cohort or (entry.cohort if entry else None),
    )


def run(
    config: EvaluatorConfig,
    folder: Path,
    *,
    learner: str | None,
    cohort: str | None,
    roster: Path | None,
) -> int:
    """Store each report found; an unreadable one is listed and skipped (exit 1), never fatal."""
    capstones = [p.stem for p in rubric_paths(rubrics_dir())]
    entries = read_roster(roster, capstones, check_paths=False) if roster else []
    files = report_files(folder)
    if not files:
        raise UsageError(
            f"no {REPORT_JSON} under {folder}", hint="give the folder `evaluate --out` wrote to"
        )
    store = open_store(config.store_url)
    sources = _by_source(entries)
    counts = {"stored": 0, "updated": 0, "skipped": 0}
    now = datetime.now(UTC)
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
            report, _ = parse_report(text, where=str(path))
            who = _membership(
                report.source.location, learner=learner, cohort=cohort, roster=sources
            )
            stored = save_report(store, text, membership=who, now=now, where=str(path))
        except (ConfigError, OSError, UnicodeDecodeError) as exc:
            counts["skipped"] += 1
            click.secho(f"skipped {path}: {getattr(exc, 'message', exc)}", fg="yellow", err=True)
            continue
        counts["stored" if stored.created else "updated"] += 1
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + f" ({len(files)} reports)")
    return 1 if counts["skipped"] else 0
