"""Kaggle leaderboard percentile (pure: CSV text in, standing out).

Kaggle exports a leaderboard as CSV with at least ``TeamId``, ``TeamName`` and
``Score`` columns (newer exports add ``Rank``, ``LastSubmissionDate``,
``SubmissionCount`` and ``TeamMemberUserNames``). Ranks here are competition
ranks: tied scores share the best rank of the tie ("1224"), so a tie never
pushes a team down. "Top p%" means ``rank <= ceil(p/100 * teams)``.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from evaluator.benchmarks.definition import Direction
from evaluator.errors import ConfigError


@dataclass(frozen=True, kw_only=True)
class Team:
    """One leaderboard row."""

    team_id: str
    name: str
    score: float
    members: tuple[str, ...] = ()
    listed_rank: int | None = None
    """The export's own ``Rank`` column, when it has one."""


@dataclass(frozen=True, kw_only=True)
class Standing:
    """A team's place on a leaderboard."""

    team: Team
    rank: int
    teams: int

    @property
    def percentile(self) -> float:
        """Rank as a percentage of teams (lower is better: 3.0 means top 3%)."""
        return 100.0 * self.rank / self.teams

    def within_top(self, percent: float) -> bool:
        """Whether the team is in the top ``percent`` % (``rank <= ceil(percent/100 * teams)``)."""
        return self.rank <= math.ceil(percent / 100.0 * self.teams - 1e-9)


def _column(fields: dict[str, str], *names: str) -> str | None:
    for name in names:
        if name.lower() in fields:
            return fields[name.lower()]
    return None


def parse_leaderboard(text: str) -> list[Team]:
    """Teams of a Kaggle leaderboard CSV; rows without a numeric score are skipped."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = {f.strip().lower(): f for f in reader.fieldnames or []}
    score_col = _column(fields, "Score", "PublicScore", "PrivateScore")
    name_col = _column(fields, "TeamName", "Team Name", "Team")
    id_col = _column(fields, "TeamId", "Team Id")
    members_col = _column(fields, "TeamMemberUserNames", "Members")
    rank_col = _column(fields, "Rank")
    if score_col is None or (name_col is None and id_col is None):
        raise ConfigError(
            f"not a Kaggle leaderboard CSV: columns {sorted(fields)}",
            hint="download it from the competition's Leaderboard tab (Raw Data)",
        )
    teams: list[Team] = []
    for row in reader:
        try:
            score = float(row[score_col])
        except (TypeError, ValueError):
            continue
        if math.isnan(score):
            continue
        members = row.get(members_col or "", "") or ""
        listed = (row.get(rank_col or "", "") or "").strip()
        teams.append(
            Team(
                team_id=(row.get(id_col or "") or "").strip(),
                name=(row.get(name_col or "") or "").strip(),
                score=score,
                members=tuple(m.strip() for m in members.split(",") if m.strip()),
                listed_rank=int(listed) if listed.isdigit() else None,
            )
        )
    if not teams:
        raise ConfigError("the leaderboard has no scored teams")
    return teams


def find_team(teams: list[Team], wanted: str) -> Team | None:
    """A team by id, by name (case-insensitive) or by a member's user name."""
    key = wanted.strip().lower()
    for match in (
        lambda t: t.team_id == wanted.strip(),
        lambda t: t.name.lower() == key,
        lambda t: key in (m.lower() for m in t.members),
    ):
        found = [t for t in teams if match(t)]
        if found:
            return found[0]
    return None


def standing(teams: list[Team], wanted: str, direction: Direction) -> Standing | None:
    """The team's competition rank (ties share the best rank), or None when it is absent."""
    team = find_team(teams, wanted)
    if team is None:
        return None
    if direction is Direction.HIGHER:
        better = sum(1 for t in teams if t.score > team.score)
    else:
        better = sum(1 for t in teams if t.score < team.score)
    return Standing(team=team, rank=better + 1, teams=len(teams))


def listed_direction(teams: list[Team]) -> Direction | None:
    """The metric direction the export's ``Rank`` column implies, if it has one that tells."""
    ranked = sorted(
        (t for t in teams if t.listed_rank is not None), key=lambda t: t.listed_rank or 0
    )
    if len(ranked) < 2 or ranked[0].score == ranked[-1].score:
        return None
    return Direction.HIGHER if ranked[0].score > ranked[-1].score else Direction.LOWER
