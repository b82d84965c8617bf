"""The cohort roster: a CSV of who submits what (``batch`` runs it, ``cohort import`` maps
report sources to learners with it).

Columns: ``learner``, ``repo`` (git URL or local path; ``repo_url`` and ``source`` are
accepted too), ``ref`` (may be empty: the default branch), ``capstone``, optional
``cohort``. Validation collects every problem with its line before anything runs:
unknown capstone, the same learner twice for one capstone, malformed URL or missing
path, invalid ref, empty required cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from evaluator.errors import SourceError, UsageError
from evaluator.intake.source import Source, check_ref

REQUIRED = ("learner", "repo", "capstone")
ALIASES = {"repo_url": "repo", "source": "repo", "url": "repo", "path": "repo"}
_SCHEMES = {"https", "http", "ssh", "git", "file"}


@dataclass(frozen=True, kw_only=True)
class RosterEntry:
    """One line of the roster."""

    line: int
    learner: str
    repo: str
    ref: str | None
    capstone: str
    cohort: str | None


class RosterError(UsageError):
    """The roster has problems; ``problems`` lists each as 'file:line: message'."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(
            f"{path}: {len(problems)} problem(s) in the roster:\n"
            + "\n".join(f"  {p}" for p in problems),
            hint="fix the lines listed (columns: learner, repo, ref, capstone, and optionally "
            "cohort); nothing was evaluated",
        )
        self.problems = problems


def url_problem(repo: str) -> str | None:
    """Why ``repo`` is not a usable git URL, or None when it is one."""
    if any(ch.isspace() for ch in repo):
        return f"malformed URL {repo!r}: it contains blanks"
    if "://" not in repo:
        return None if Source(location=repo).is_url else f"malformed URL {repo!r}"
    parts = urlsplit(repo)
    if parts.scheme not in _SCHEMES:
        return f"malformed URL {repo!r}: scheme {parts.scheme!r} is not one of {sorted(_SCHEMES)}"
    if parts.scheme != "file" and not parts.netloc:
        return f"malformed URL {repo!r}: no host"
    if not parts.path.strip("/"):
        return f"malformed URL {repo!r}: no repository path"
    return None


def _repo_problem(repo: str, base: Path, is_dir: Callable[[Path], bool]) -> str | None:
    if "://" in repo or Source(location=repo).is_url:
        return url_problem(repo)
    path = Path(repo).expanduser()
    path = path if path.is_absolute() else base / path
    return None if is_dir(path) else f"no such folder {repo!r} (and not a git URL)"


def resolve_capstone(capstone: str, known: Collection[str]) -> str | None:
    """The full capstone id for ``capstone`` (full, or short like ``1.1``), if exactly one."""
    if capstone in known:
        return capstone
    matches = [k for k in known if k.startswith(f"{capstone}-")]
    return matches[0] if len(matches) == 1 else None


def _header(fields: Sequence[str] | None) -> tuple[dict[str, str], list[str]]:
    names = {name: ALIASES.get(name.strip().lower(), name.strip().lower()) for name in fields or []}
    missing = [column for column in REQUIRED if column not in names.values()]
    return names, missing


def _cell_problems(
    cells: dict[str, str], full: str | None, base: Path, is_dir: Callable[[Path], bool]
) -> list[str]:
    """What is wrong with one line's cells, duplicates aside."""
    found = [f"empty {column}" for column in REQUIRED if not cells.get(column)]
    capstone, repo, ref = cells.get("capstone"), cells.get("repo"), cells.get("ref")
    if capstone and full is None:
        found.append(f"unknown capstone {capstone!r} (see `capstone-eval rubrics list`)")
    if repo and (why := _repo_problem(repo, base, is_dir)):
        found.append(why)
    if ref:
        try:
            check_ref(ref)
        except SourceError as exc:
            found.append(exc.message)
    return found


def _resolved(repo: str, base: Path) -> str:
    """A URL as given; a local path made absolute against the roster's folder."""
    if "://" in repo or Source(location=repo).is_url:
        return repo
    local = Path(repo).expanduser()
    return str(local if local.is_absolute() else base / local)


def parse_roster(
    text: str,
    path: Path,
    *,
    capstones: Collection[str],
    is_dir: Callable[[Path], bool] = Path.is_dir,
) -> list[RosterEntry]:
    """Every entry of a roster, or :class:`RosterError` listing every problem with its line."""
    reader = csv.DictReader(io.StringIO(text))
    names, missing = _header(reader.fieldnames)
    if missing:
        raise RosterError(path, [f"{path}:1: missing column(s): {', '.join(missing)}"])
    entries: list[RosterEntry] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for row in reader:
        line = reader.line_num
        cells = {names[k]: (v or "").strip() for k, v in row.items() if k in names}
        full = resolve_capstone(cells.get("capstone", ""), capstones)
        found = _cell_problems(cells, full, path.parent, is_dir)
        learner = cells.get("learner", "")
        if learner and full:
            if (learner, full) in seen:
                first = seen[(learner, full)]
                found.append(f"learner {learner!r} is listed for {full} already on line {first}")
            seen.setdefault((learner, full), line)
        problems += [f"{path}:{line}: {message}" for message in found]
        if not found and full:
            entries.append(
                RosterEntry(
                    line=line, learner=learner, repo=_resolved(cells["repo"], path.parent),
                    ref=cells.get("ref") or None, capstone=full, cohort=cells.get("cohort") or None,
                )
            )  # fmt: skip
    if problems:
        raise RosterError(path, problems)
    return entries


def read_roster(
    path: Path, capstones: Collection[str], *, check_paths: bool = True
) -> list[RosterEntry]:
    """Read and validate the roster file at ``path`` (see :func:`parse_roster`)."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets often save a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read roster {path}: {exc}", hint="give a UTF-8 CSV file"
        ) from None
    return parse_roster(
        text, path, capstones=capstones, is_dir=Path.is_dir if check_paths else lambda _: True
    )
