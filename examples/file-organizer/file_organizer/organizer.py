"""Plan and apply the moves that organise a folder."""

import logging
from dataclasses import dataclass
from pathlib import Path

from file_organizer.rules import category_of

log = logging.getLogger(__name__)


class OrganizerError(Exception):
    """The folder cannot be organised."""


@dataclass(frozen=True)
class Move:
    """One planned move."""

    source: Path
    target: Path


def free_name(target: Path, taken: set[Path]) -> Path:
    """``target``, or ``name (n).ext`` when that name already exists or is planned."""
    candidate = target
    number = 1
    while candidate.exists() or candidate in taken:
        candidate = target.with_name(f"{target.stem} ({number}){target.suffix}")
        number += 1
    return candidate


def files_under(folder: Path) -> list[Path]:
    """Regular files anywhere under ``folder``, hidden ones left alone."""
    found = []
    for entry in sorted(folder.rglob("*")):
        relative = entry.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if entry.is_file() and not entry.is_symlink():
            found.append(entry)
    return found


def plan_moves(folder: Path) -> list[Move]:
    """The moves that put each file under ``folder`` in its category folder.

    Sub-folders are read recursively; a file already in its category folder stays.
    """
    if not folder.exists():
        raise OrganizerError(f"{folder} does not exist")
    if not folder.is_dir():
        raise OrganizerError(f"{folder} is not a folder")
    moves: list[Move] = []
    taken: set[Path] = set()
    for entry in files_under(folder):
        home = folder / category_of(entry.name)
        if entry.parent == home:
            continue
        target = free_name(home / entry.name, taken)
        taken.add(target)
        moves.append(Move(source=entry, target=target))
    return moves


def apply_moves(moves: list[Move]) -> int:
    """Carry out ``moves``; returns how many files moved."""
    moved = 0
    for move in moves:
        move.target.parent.mkdir(exist_ok=True)
        try:
            move.source.rename(move.target)
        except OSError as exc:
            log.error("could not move %s: %s", move.source, exc)
            continue
        log.info("moved %s -> %s", move.source.name, move.target)
        moved += 1
    return moved
