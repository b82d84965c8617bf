"""Cloning a submission: bounded in time and size, its tree checked before checkout.

1. ``git clone --no-checkout --depth=1`` while a watcher measures what has
   arrived on disk and kills git past ``fetch_bytes``; every command also has a
   deadline (``fetch_timeout_s``).
2. ``git ls-tree -r -l`` streams the commit's tree (names and blob sizes, from
   the objects already downloaded) through the same :class:`~evaluator.intake.limits.Tally`
   as the workspace copy: a git bomb (100,000 files in a 212 KiB pack) or a
   tree 1,100 folders deep is refused before a single file is written.
3. Only then ``git checkout``.

Every git command goes through :func:`~evaluator.intake.gitsafe.run_git`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evaluator.config import MIB, WorkspaceLimits
from evaluator.errors import SourceError, SubmissionTooLarge
from evaluator.intake.fetch_errors import explain_fetch_failure, shown_url
from evaluator.intake.gitsafe import GitRun, credentials_apart, run_git
from evaluator.intake.limits import Tally

if TYPE_CHECKING:  # source.py imports this module
    from evaluator.intake.source import Source

SHA = re.compile(r"^[0-9a-f]{7,64}$")


def disk_bytes(folder: Path) -> int:
    """Bytes of the regular files under ``folder`` (links not followed)."""
    total = 0
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            try:
                info = (Path(dirpath) / name).lstat()
            except OSError:
                continue  # git renames its temporary files as it goes
            total += info.st_size
    return total


@dataclass(kw_only=True)
class DownloadWatch:
    """Stops a clone or fetch whose files in ``folder`` pass ``limit`` bytes."""

    folder: Path
    limit: int
    url: str

    def __call__(self, chunk: bytes) -> None:
        """Measure the download; raise SubmissionTooLarge past the limit."""
        size = disk_bytes(self.folder) if self.folder.exists() else 0
        if size > self.limit:
            raise SubmissionTooLarge(
                f"the download of {shown_url(self.url)} passed {self.limit // MIB} MiB "
                "and was stopped",
                hint="keep data sets and model weights (and their history) out of the "
                "repository; the evaluator supplies benchmark data itself",
            )


@dataclass(kw_only=True)
class TreeWatch:
    """Counts ``git ls-tree -r -l -z`` records as they stream in; raises at a limit."""

    tally: Tally
    pending: bytes = b""

    def __call__(self, chunk: bytes) -> None:
        """Count every complete record in ``chunk``."""
        *records, self.pending = (self.pending + chunk).split(b"\0")
        for record in records:
            self.count(record)

    def count(self, record: bytes) -> None:
        """One record: ``<mode> <type> <object> <size>\\t<path>``."""
        meta, _, raw_path = record.partition(b"\t")
        fields = meta.split()
        if len(fields) != 4:
            return
        path = os.fsdecode(raw_path)
        if fields[1] == b"blob":
            self.tally.add_file(path, int(fields[3]))
        else:  # a submodule (gitlink): checked out as an empty folder
            self.tally.add_dir(path)


@dataclass(frozen=True, kw_only=True)
class Clone:
    """A checked-out clone and the commit it holds."""

    tree: Path
    commit: str


@dataclass(frozen=True, kw_only=True)
class _Git:
    """git commands in one clone, with its limits, host environment and error wording."""

    dest: Path
    url: str
    ref: str | None
    limits: WorkspaceLimits
    host_env: tuple[tuple[str, str], ...]
    settings: tuple[tuple[str, str], ...]
    """The caller's git settings (credentials), through git's environment."""

    def run(self, args: list[str], watch: DownloadWatch | TreeWatch | None = None) -> GitRun:
        """``git ARGS`` (in the clone, once it exists); raises when it outlives its deadline."""
        done = run_git(
            args,
            host_env=self.host_env,
            settings=self.settings,
            timeout_s=self.limits.fetch_timeout_s,
            cwd=self.dest if args[0] != "clone" else None,
            on_output=watch,
        )
        if done.timed_out:
            raise SourceError(
                f"fetching {shown_url(self.url)} took longer than "
                f"{self.limits.fetch_timeout_s:.0f} s and was stopped",
                hint="check your network and try again; a repository this slow to fetch is "
                "usually too large (keep data sets out of git)",
            )
        return done

    def must(self, args: list[str], watch: DownloadWatch | TreeWatch | None = None) -> GitRun:
        """Like :meth:`run`; a failure raises the fetch error that explains it."""
        done = self.run(args, watch)
        if not done.ok:
            raise explain_fetch_failure(done.stderr, url=self.url, ref=self.ref)
        return done


def _download(git: _Git, watch: DownloadWatch) -> None:
    ref = git.ref
    options = ["--no-checkout", "--depth=1", "--no-recurse-submodules", "--single-branch"]
    options += ["--no-tags", "--template=", "--quiet"]
    if ref and not SHA.match(ref):
        options.append(f"--branch={ref}")
    git.must(["clone", *options, "--", git.url, str(git.dest)], watch)
    if ref and SHA.match(ref):
        # A commit cannot be named by --branch: fetch it by id where the server
        # allows, else the default branch's history (still watched and bounded).
        by_id = git.run(["fetch", "--quiet", "--depth=1", "origin", ref], watch)
        if not by_id.ok:
            git.must(["fetch", "--quiet", "--unshallow", "origin"], watch)
    watch(b"")  # a small clone can finish between two measurements


def clone_submission(
    source: Source, dest: Path, limits: WorkspaceLimits, host_env: tuple[tuple[str, str], ...]
) -> Clone:
    """Clone ``source`` (URL, ref, git settings) into ``dest`` within ``limits``."""
    url, credentials = credentials_apart(source.location)
    ref, settings = source.ref, (*source.git_config, *credentials)
    git = _Git(dest=dest, url=url, ref=ref, limits=limits, host_env=host_env, settings=settings)
    watch = DownloadWatch(folder=dest, limit=limits.fetch_bytes, url=url)
    _download(git, watch)
    target = ref if ref and SHA.match(ref) else "HEAD"
    found = git.run(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{target}^{{commit}}"]
    )
    if not found.ok:
        if target == "HEAD":
            raise SourceError(
                f"{shown_url(url)} has no commits", hint="push a commit, then evaluate again"
            )
        raise explain_fetch_failure("fatal: unknown revision", url=url, ref=ref)
    commit = found.stdout.decode("ascii", errors="replace").strip()
    git.must(
        ["ls-tree", "-r", "-l", "-z", "--full-tree", commit], TreeWatch(tally=Tally(limits=limits))
    )
    git.must(["checkout", "--quiet", "--force", "--detach", "--no-recurse-submodules", commit])
    return Clone(tree=dest, commit=commit)
