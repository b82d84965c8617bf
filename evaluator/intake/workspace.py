"""Copy a submission into a fresh workspace, safely.

Symbolic links are never followed out of the tree: a link whose target lies
inside the submission is recreated as a relative link, a link that points
outside is left out and reported. Special files (FIFOs, devices, sockets) and
names that are not UTF-8 are left out and reported. Files, bytes, folders and
folder depth are counted before each is written, so an oversized submission
stops at the limit.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.config import WorkspaceLimits
from evaluator.intake.limits import Tally
from evaluator.model.report import CheckResult, Finding, Status

#: Version-control data, caches and virtual environments are never part of a submission.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",
    }
)


@dataclass(frozen=True, kw_only=True)
class SkippedLink:
    """A symlink that was not copied because it points outside the submission."""

    path: str
    target: str


@dataclass(frozen=True, kw_only=True)
class Workspace:
    """The sanitised copy of a submission the sandbox works on."""

    root: Path
    files: int
    bytes: int
    skipped_links: list[SkippedLink] = field(default_factory=list)
    skipped_special: list[str] = field(default_factory=list)
    skipped_names: list[str] = field(default_factory=list)
    """Names that are not UTF-8, shown with their bytes escaped (``\\xff``)."""
    dirs: int = 0
    paths: frozenset[str] = frozenset()
    """Every file and link copied, relative to ``root``."""


def _link_inside(tree: Path, link: Path) -> Path | None:
    """The link's resolved target relative to ``tree`` if it stays inside, else None."""
    try:
        target = link.resolve(strict=False)
    except (OSError, RuntimeError):  # loops
        return None
    try:
        return target.relative_to(tree)
    except ValueError:
        return None


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a byte that is not UTF-8, kept by os.fsdecode as a surrogate
        return False
    return True


def shown_name(path: str | Path) -> str:
    """A path for the report: bytes that are not UTF-8 escaped as ``\\xff`` (pure)."""
    return os.fsencode(Path(path).as_posix()).decode("utf-8", errors="backslashreplace")


@dataclass(kw_only=True)
class _Copy:
    """One copy in progress: what was written and what was left out."""

    tree: Path
    dest: Path
    tally: Tally
    """Every entry counts against the limits, left out or not: a million FIFOs or
    links would otherwise cost as much as a million files."""
    files: int = 0
    paths: set[str] = field(default_factory=set)
    links: list[SkippedLink] = field(default_factory=list)
    special: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def folders(self, here: Path, rel_dir: Path, dirnames: list[str], files: list[str]) -> None:
        """Create the kept sub-folders of ``here``; links among them join ``files``."""
        kept = []
        for name in sorted(dirnames):
            if name in SKIPPED_DIRS:
                continue
            if (here / name).is_symlink():
                files.append(name)  # handled with the other links
                continue
            self.tally.add_dir((rel_dir / name).as_posix())
            if not _utf8(name):
                self.names.append(shown_name(rel_dir / name) + "/")
                continue
            (self.dest / rel_dir / name).mkdir()
            kept.append(name)
        dirnames[:] = kept

    def entry(self, src: Path, rel: Path) -> None:
        """Copy one file or link of the tree, or record why it was left out."""
        if not _utf8(rel.name):
            self.tally.add_file(rel.as_posix(), 0)
            self.names.append(shown_name(rel))
            return
        size = src.stat().st_size if src.is_file() and not src.is_symlink() else 0
        self.tally.add_file(rel.as_posix(), size)
        out = self.dest / rel
        if src.is_symlink():
            inside = _link_inside(self.tree, src)
            if inside is None:
                target = shown_name(src.readlink())
                self.links.append(SkippedLink(path=rel.as_posix(), target=target))
                return
            out.symlink_to(os.path.relpath(self.tree / inside, start=src.parent))
        elif not src.is_file():
            self.special.append(rel.as_posix())
            return
        else:
            shutil.copy2(src, out, follow_symlinks=False)
            self.files += 1
        self.paths.add(rel.as_posix())


def copy_workspace(tree: Path, dest: Path, limits: WorkspaceLimits) -> Workspace:
    """Copy ``tree`` into ``dest`` (which must not exist) within ``limits``.

    Raises :class:`~evaluator.errors.SubmissionTooLarge` at the first file,
    byte, folder or level of nesting past a limit.
    """
    tree = tree.resolve()
    dest.mkdir(parents=True)
    copy = _Copy(tree=tree, dest=dest, tally=Tally(limits=limits))
    # Folders are counted (and their depth checked) before os.walk enters them,
    # so its recursion never goes deeper than limits.max_depth.
    for dirpath, dirnames, filenames in os.walk(tree, followlinks=False):
        here = Path(dirpath)
        rel_dir = here.relative_to(tree)
        copy.folders(here, rel_dir, dirnames, filenames)
        for name in sorted(filenames):
            copy.entry(here / name, rel_dir / name)
    return Workspace(
        root=dest,
        files=copy.files,
        bytes=copy.tally.bytes,
        skipped_links=copy.links,
        skipped_special=copy.special,
        skipped_names=copy.names,
        dirs=len(copy.tally.dirs),
        paths=frozenset(copy.paths),
    )


def workspace_files(root: Path) -> list[str]:
    """Relative POSIX paths of the regular files of a workspace (no symlinks, no .git)."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        base = Path(folder)
        for name in sorted(files):
            path = base / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root).as_posix())
    return found


def workspace_check(workspace: Workspace) -> CheckResult:
    """The ``workspace`` check: what was copied and what was left out, and why."""
    findings = (
        [
            Finding(
                path=link.path,
                code="symlink-outside",
                message=f"symbolic link to {link.target!r} points outside the repository; "
                "not copied",
            )
            for link in workspace.skipped_links
        ]
        + [
            Finding(path=p, code="special-file", message="not a regular file; not copied")
            for p in workspace.skipped_special
        ]
        + [
            Finding(
                path=p,
                code="non-utf8-name",
                message="the name is not valid UTF-8; not copied: rename it to a UTF-8 name",
            )
            for p in workspace.skipped_names
        ]
    )
    left_out = len(findings)
    summary = f"{workspace.files} files copied ({workspace.bytes / 1024:.0f} KiB)"
    if left_out:
        summary += (
            f"; {left_out} left out (links outside the repository, special files "
            "or names that are not UTF-8)"
        )
    return CheckResult(
        id="workspace",
        status=Status.FAIL if workspace.skipped_links or workspace.skipped_names else Status.PASS,
        summary=summary,
        metrics={
            "files": workspace.files,
            "bytes": workspace.bytes,
            "skipped_links": len(workspace.skipped_links),
            "skipped_special": len(workspace.skipped_special),
            "skipped_names": len(workspace.skipped_names),
            "dirs": workspace.dirs,
        },
        findings=findings,
    )
