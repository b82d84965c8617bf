"""Counting a submission against its limits, one entry at a time (pure).

The same tally checks a clone's tree as ``git ls-tree`` lists it (before a
single file is checked out) and the workspace copy of a local folder (before
each file or folder is written), so a git bomb or a folder bomb stops at the
limit, not after the damage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evaluator.config import MIB, WorkspaceLimits
from evaluator.errors import SubmissionTooLarge

_KEEP_OUT = (
    "remove generated files, data sets and virtual environments from the repository "
    "(add them to .gitignore)"
)


def _short(path: str, keep: int = 80) -> str:
    return path if len(path) <= keep else f"{path[:keep]}..."


def depth_of(path: str) -> int:
    """How many folders deep ``path`` (a file, posix separators) lies: ``a/b/c.py`` is 2."""
    return path.count("/")


@dataclass(kw_only=True)
class Tally:
    """Files, bytes, folders and depth seen so far; raises the moment a limit is passed."""

    limits: WorkspaceLimits
    files: int = 0
    bytes: int = 0
    dirs: set[str] = field(default_factory=set)

    def add_dir(self, path: str) -> None:
        """Count the folder ``path`` (and its parents), checking count and depth."""
        while path and path not in self.dirs:
            if depth_of(path) + 1 > self.limits.max_depth:
                raise SubmissionTooLarge(
                    f"the submission nests folders more than {self.limits.max_depth} deep "
                    f"(at {_short(path)})",
                    hint="flatten the folder structure; no project needs folders this deep",
                )
            self.dirs.add(path)
            if len(self.dirs) > self.limits.max_dirs:
                raise SubmissionTooLarge(
                    f"the submission has more than {self.limits.max_dirs} folders",
                    hint=_KEEP_OUT,
                )
            path = path.rpartition("/")[0]

    def add_file(self, path: str, size: int) -> None:
        """Count the file ``path`` of ``size`` bytes (its folders too)."""
        self.add_dir(path.rpartition("/")[0])
        self.files += 1
        self.bytes += size
        if self.files > self.limits.max_files:
            raise SubmissionTooLarge(
                f"the submission has more than {self.limits.max_files} files", hint=_KEEP_OUT
            )
        if self.bytes > self.limits.max_bytes:
            raise SubmissionTooLarge(
                f"the submission is larger than {self.limits.max_bytes // MIB} MiB",
                hint="keep data sets and model weights out of the repository, or below "
                "the limit; the evaluator supplies benchmark data itself",
            )
