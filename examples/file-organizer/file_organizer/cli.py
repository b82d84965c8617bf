"""Command line: ``python -m file_organizer FOLDER [--dry-run] [--verbose]``."""

import argparse
import logging
import sys
from pathlib import Path

from file_organizer.organizer import OrganizerError, apply_moves, plan_moves

log = logging.getLogger("file_organizer")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = argparse.ArgumentParser(prog="file_organizer", description=__doc__)
    parser.add_argument("folder", type=Path, help="folder to organise")
    parser.add_argument(
        "--dry-run", action="store_true", help="only print the planned moves"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log every move"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(message)s",
    )
    try:
        moves = plan_moves(args.folder)
    except OrganizerError as exc:
        log.error("%s", exc)
        return 2
    if args.dry_run:
        for move in moves:
            sys.stdout.write(f"{move.source.name} -> {move.target.parent.name}/\n")
        return 0
    moved = apply_moves(moves)
    sys.stdout.write(f"moved {moved} of {len(moves)} files\n")
    return 0 if moved == len(moves) else 1
