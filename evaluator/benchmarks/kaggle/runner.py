"""The ``kaggle`` kind: leaderboard percentile, or an internal competition's submission score.

Nothing here runs learner code: the leaderboard is read from Kaggle (or an
export), and a submission is a CSV file in the learner's repository.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from evaluator.benchmarks.data.store import missing_data_error, read_meta
from evaluator.benchmarks.definition import (
    BenchmarkDefinition,
    Competition,
    Direction,
    file_sha256,
)
from evaluator.benchmarks.kaggle.leaderboard import listed_direction, parse_leaderboard, standing
from evaluator.benchmarks.kaggle.sources import LeaderboardSource
from evaluator.benchmarks.kaggle.submission import (
    MAX_SUBMISSION_BYTES,
    SubmissionInvalid,
    read_table,
    score_submission,
)
from evaluator.benchmarks.result import failed, scored
from evaluator.errors import ConfigError, UsageError
from evaluator.intake.manifest import BenchmarkEntry
from evaluator.model.report import CheckResult, Status


def import_solution(name: str, definition: BenchmarkDefinition, path: Path, data_dir: Path) -> int:
    """Store an internal competition's solution CSV; returns its row count."""
    spec = definition.competition
    if spec is None:
        raise UsageError(f"{name!r} is not an internal competition")
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        table = read_table(text, spec.id_column, spec.target_column, str(path))
    except SubmissionInvalid as exc:
        raise ConfigError(str(exc)) from None
    if not table.ids or len(set(table.ids)) != len(table.ids):
        raise ConfigError(f"{path} has no rows or repeats an id")
    folder = data_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / spec.solution
    target.write_text(text, encoding="utf-8")
    meta = {"name": name, "source": str(path), "count": len(table.ids)}
    meta["files"] = {spec.solution: file_sha256(target)}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    return len(table.ids)


def _read_submission(workspace: Path, relative: str) -> str:
    path = (workspace / relative).resolve()
    if not path.is_relative_to(workspace.resolve()) or not path.is_file():
        raise SubmissionInvalid(f"{relative} is not a file in the repository")
    if path.stat().st_size > MAX_SUBMISSION_BYTES:
        raise SubmissionInvalid(f"{relative} is larger than {MAX_SUBMISSION_BYTES >> 20} MiB")
    return path.read_text(encoding="utf-8", errors="replace")


def run_internal(
    definition: BenchmarkDefinition,
    spec: Competition,
    entry: BenchmarkEntry,
    workspace: Path,
    data_dir: Path,
    threshold: float,
) -> CheckResult:
    """Score the learner's submission against the hidden solution with the competition metric."""
    started = time.monotonic()
    folder = data_dir / definition.name
    solution_path = folder / spec.solution
    if not solution_path.is_file():
        raise missing_data_error(definition, folder)
    solution = read_table(
        solution_path.read_text(encoding="utf-8"), spec.id_column, spec.target_column, "solution"
    )
    record: dict[str, Any] = {
        "reproducibility": {
            "data_files": {spec.solution: file_sha256(solution_path)},
            "data_source": str(read_meta(folder).get("source", "unknown")),
            "submission": entry.submission,
        }
    }
    try:
        text = _read_submission(workspace, str(entry.submission))
        table = read_table(text, spec.id_column, spec.target_column, str(entry.submission))
        value = score_submission(definition.metric, solution, table)
    except SubmissionInvalid as exc:
        return failed(
            definition,
            threshold,
            failure="invalid-predictions",
            status=Status.FAIL,
            summary=f"{definition.name}: {entry.submission} cannot be scored: {exc}",
            details=record,
        )
    wall = time.monotonic() - started
    record["reproducibility"]["wall_s"] = round(wall, 3)
    return scored(
        definition,
        threshold,
        value=value,
        n=len(solution.ids),
        metrics={},
        findings=[],
        details=record,
        duration_s=wall,
        unit="hidden solution rows",
    )


def run_leaderboard(
    definition: BenchmarkDefinition,
    entry: BenchmarkEntry,
    source: LeaderboardSource,
    threshold: float,
) -> CheckResult:
    """The team's rank percentile; pass when it is within the top ``threshold`` %."""
    started = time.monotonic()
    if entry.kaggle is None:  # pragma: no cover - excluded by the entry-point check
        raise AssertionError("kaggle entry vanished")
    slug, team = entry.kaggle.competition, entry.kaggle.team
    teams = parse_leaderboard(source.leaderboard_csv(slug))
    direction = listed_direction(teams) or definition.directions.get(slug, Direction.HIGHER)
    place = standing(teams, team, direction)
    record: dict[str, Any] = {
        "reproducibility": {
            "leaderboard": source.description,
            "competition": slug,
            "direction": direction.value,
        }
    }
    if place is None:
        return failed(
            definition,
            threshold,
            failure="team-not-found",
            status=Status.FAIL,
            summary=f"team {team!r} is not on the {slug!r} leaderboard ({len(teams)} teams)",
            details=record,
        )
    wall = time.monotonic() - started
    record["reproducibility"]["wall_s"] = round(wall, 3)
    return scored(
        definition,
        threshold,
        value=round(place.percentile, 4),
        n=place.teams,
        metrics={
            "rank": place.rank,
            "teams": place.teams,
            "score": place.team.score,
            "top_10_percent": place.within_top(10.0),
        },
        findings=[],
        details={**record, "team": place.team.name or place.team.team_id},
        duration_s=wall,
        ok=place.within_top(threshold),
        unit="teams",
    )
