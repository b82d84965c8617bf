"""``capstone-eval cohort report``: the dashboard and CSV exports of a cohort."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import click

from evaluator.cohort.dashboard import write_dashboard
from evaluator.cohort.frames import CohortFrames
from evaluator.cohort.pairs import latest
from evaluator.cohort.similarity import Submission, similar_pairs
from evaluator.cohort.thresholds import rubric_thresholds
from evaluator.cohort.view import SimilarGroup, build_view
from evaluator.config import EvaluatorConfig
from evaluator.errors import UsageError
from evaluator.progress import Progress
from evaluator.rubrics.loader import LEVELS_FILE, load_all, load_levels, rubrics_dir
from evaluator.store.database import Store, open_store
from evaluator.store.sources import archive_sources, read_sources


def parse_starters(values: tuple[str, ...]) -> dict[str, Path]:
    """``CAPSTONE=DIR`` options as a mapping; the folder must exist."""
    starters: dict[str, Path] = {}
    for value in values:
        capstone, sep, folder = value.partition("=")
        if not sep or not capstone or not Path(folder).is_dir():
            raise UsageError(
                f"--starter {value!r} is not CAPSTONE=FOLDER with an existing folder",
                hint="e.g. --starter 1.1-file-organizer=starters/file-organizer",
            )
        starters[capstone] = Path(folder)
    return starters


def similarity_groups(
    store: Store,
    frames: CohortFrames,
    *,
    starters: Mapping[str, Path],
    threshold: float,
    progress: Progress,
) -> list[SimilarGroup]:
    """Compare each cohort's latest submissions of each capstone, pair by pair."""
    last = latest(frames.evaluations)
    archives = store.sources(int(i) for i in last["id"])
    last = last[last["id"].isin(archives)].assign(cohort=lambda d: d["cohort"].fillna("-"))
    groups = []
    for (cohort, capstone), rows in last.groupby(["cohort", "capstone"]):
        if len(rows) < 2:
            continue
        progress(f"comparing {len(rows)} submissions of {capstone} in {cohort}")
        submissions = [
            Submission(
                learner=r.learner, evaluation_id=int(r.id), files=read_sources(archives[int(r.id)])
            )
            for r in rows.itertuples()
        ]
        folder = starters.get(str(capstone))
        starter = read_sources(archive_sources(folder).data) if folder else None
        pairs = similar_pairs(submissions, starter=starter, threshold=threshold)
        groups.append(
            SimilarGroup(
                cohort=str(cohort), capstone=str(capstone), submissions=len(rows), pairs=pairs
            )
        )
    return groups


def run(
    config: EvaluatorConfig,
    *,
    cohort: str | None,
    out: Path,
    lang: str,
    starters: tuple[str, ...],
    threshold: float,
    similarity: bool,
    now: datetime,
) -> int:
    """Write dashboard.html and the CSV exports of ``cohort`` (every cohort when None)."""
    folders = parse_starters(starters)
    progress = Progress()
    store = open_store(config.store_url)
    progress("reading the results store")
    frames = store.frames(cohort, metric_checks=("benchmark",)).with_thresholds(
        rubric_thresholds(load_all(rubrics_dir()))
    )
    if cohort is not None and frames.evaluations.empty:
        raise UsageError(
            f"no evaluations of cohort {cohort!r} in the results store",
            hint="check the name, or store evaluations with `evaluate --cohort` or `cohort import`",
        )
    groups = (
        similarity_groups(store, frames, starters=folders, threshold=threshold, progress=progress)
        if similarity
        else []
    )
    view = build_view(
        frames,
        levels=load_levels(rubrics_dir() / LEVELS_FILE),
        cohort=cohort,
        now=now,
        similarity=groups,
        similarity_threshold=threshold,
    )
    paths = write_dashboard(view, out, lang)
    for kpi in view.kpis:
        shown = f"{kpi.value:.0%}" if kpi.value is not None else "-"
        click.echo(
            f"{kpi.id}: {shown} ({kpi.numerator}/{kpi.denominator}, target {kpi.target:.0%})"
        )
    flagged = sum(len(g.pairs) for g in groups)
    click.echo(f"similar pairs above {threshold:.0%}: {flagged}")
    click.echo(f"wrote {', '.join(str(p) for p in paths)}", err=True)
    return 0
