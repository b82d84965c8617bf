"""Copy a submission into a fresh workspace, safely.

Symbolic links are never followed out of the tree: a link whose target lies
inside the submission is recreated as a relative link, a link that points
outside is left out and reported. Special files (FIFOs, devices, sockets) are
left out. Size and file-count limits stop oversized submissions early.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.config import WorkspaceLimits
from evaluator.errors import SubmissionTooLarge
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


def copy_workspace(tree: Path, dest: Path, limits: WorkspaceLimits) -> Workspace:
    """Copy ``tree`` into ``dest`` (which must not exist) within ``limits``."""
    tree = tree.resolve()
    dest.mkdir(parents=True)
    files = 0
    total = 0
    links: list[SkippedLink] = []
    special: list[str] = []
    for dirpath, dirnames, filenames in os.walk(tree, followlinks=False):
        here = Path(dirpath)
        rel_dir = here.relative_to(tree)
        kept_dirs = []
        for name in sorted(dirnames):
            if name in SKIPPED_DIRS:
                continue
            src = here / name
            if src.is_symlink():
                filenames.append(name)  # handled with the other links below
                continue
            (dest / rel_dir / name).mkdir()
            kept_dirs.append(name)
        dirnames[:] = kept_dirs
        for name in sorted(filenames):
            src = here / name
            rel = rel_dir / name
            out = dest / rel
            if src.is_symlink():
                inside = _link_inside(tree, src)
                if inside is None:
                    links.append(SkippedLink(path=rel.as_posix(), target=str(src.readlink())))
                    continue
                out.symlink_to(os.path.relpath(tree / inside, start=src.parent))
                continue
            if not src.is_file():
                special.append(rel.as_posix())
                continue
            files += 1
            total += src.stat().st_size
            if files > limits.max_files:
                raise SubmissionTooLarge(
                    f"the submission has more than {limits.max_files} files",
                    hint="remove generated files, data sets and virtual environments from the "
                    "repository (add them to .gitignore)",
                )
            if total > limits.max_bytes:
                raise SubmissionTooLarge(
                    f"the submission is larger than {limits.max_bytes // (1024 * 1024)} MiB",
                    hint="keep data sets and model weights out of the repository, or below "
                    "the limit; the evaluator supplies benchmark data itself",
                )
            shutil.copy2(src, out, follow_symlinks=False)
    return Workspace(
        root=dest, files=files, bytes=total, skipped_links=links, skipped_special=special
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
    findings = [
        Finding(
            path=link.path,
            code="symlink-outside",
            message=f"symbolic link to {link.target!r} points outside the repository; not copied",
        )
        for link in workspace.skipped_links
    ] + [
        Finding(path=p, code="special-file", message="not a regular file; not copied")
        for p in workspace.skipped_special
    ]
    left_out = len(findings)
    summary = f"{workspace.files} files copied ({workspace.bytes / 1024:.0f} KiB)"
    if left_out:
        summary += f"; {left_out} left out (links outside the repository or special files)"
    return CheckResult(
        id="workspace",
        status=Status.FAIL if workspace.skipped_links else Status.PASS,
        summary=summary,
        metrics={
            "files": workspace.files,
            "bytes": workspace.bytes,
            "skipped_links": len(workspace.skipped_links),
            "skipped_special": len(workspace.skipped_special),
        },
        findings=findings,
    )
