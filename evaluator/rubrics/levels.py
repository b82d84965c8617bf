"""Level graduation: a level passes when its all-of / any-of groups of capstones are ready."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from evaluator.rubrics.model import Group, Level, LevelsFile


@dataclass(frozen=True, kw_only=True)
class LevelStanding:
    """Whether a learner graduated one level, and what is still missing."""

    level: str
    title: str
    graduated: bool
    missing: tuple[str, ...]
    """Requirements not met, e.g. '3.1-mnist-mlp' or 'one of: 5.4a-research, 5.4b-llmops'."""


def unmet(group: Group, ready: Set[str]) -> list[str]:
    """Requirements of ``group`` not met by the graduation-ready rubric ids in ``ready``."""
    if group.all_of is not None:
        missing: list[str] = []
        for item in group.all_of:
            missing.extend(_unmet_item(item, ready))
        return missing
    items = group.any_of or []
    if any(not _unmet_item(item, ready) for item in items):
        return []
    options = [item if isinstance(item, str) else " + ".join(item.rubric_ids()) for item in items]
    return [f"one of: {', '.join(options)}"]


def _unmet_item(item: str | Group, ready: Set[str]) -> list[str]:
    if isinstance(item, str):
        return [] if item in ready else [item]
    return unmet(item, ready)


def level_standing(level: Level, ready: Set[str]) -> LevelStanding:
    """Standing of one level given the rubric ids a learner is graduation-ready on."""
    missing = unmet(level.requires, ready)
    return LevelStanding(
        level=level.id, title=level.title, graduated=not missing, missing=tuple(missing)
    )


def graduation(levels: LevelsFile, ready: Set[str]) -> list[LevelStanding]:
    """Standing on every level of the programme, in programme order."""
    return [level_standing(level, ready) for level in levels.levels]
