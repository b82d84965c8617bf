"""Fetching a submission: a local folder (no git process at all) or a git URL (cloned inert).

A local folder is hostile input like any other: git would read its
configuration and run what it names (``core.fsmonitor`` on ``git status``,
filter drivers on ``.gitattributes``), so its commit is read from ``.git`` as
plain files (:mod:`evaluator.intake.gitfiles`). A URL is cloned by
:mod:`evaluator.intake.clone`, bounded in time and size and with every git
setting that runs commands switched off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.config import WorkspaceLimits
from evaluator.errors import SourceError
from evaluator.intake.clone import clone_submission
from evaluator.intake.fetch_errors import shown_url
from evaluator.intake.gitfiles import LocalRepo, differs_from_index, read_local_repo
from evaluator.intake.gitsafe import ALLOWED_PROTOCOLS
from evaluator.intake.workspace import SKIPPED_DIRS, Workspace
from evaluator.model.report import SourceInfo

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_SCP = re.compile(r"^[\w.-]+@[\w.-]+:")
#: git's "<transport>::<address>" syntax (ext::, fd::, remote helpers).
_TRANSPORT = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)::")
_REF = re.compile(r"^[\w][\w./@+-]{0,199}$")


@dataclass(frozen=True, kw_only=True)
class Source:
    """What the user asked to evaluate."""

    location: str
    ref: str | None = None
    git_config: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)
    """git settings for fetching (e.g. an authorization header), passed to git through
    its environment: never on a command line other users can read, never in the URL."""

    @property
    def is_url(self) -> bool:
        """True when the location is a git URL (or transport address) rather than a local path."""
        return bool(
            _SCHEME.match(self.location)
            or _SCP.match(self.location)
            or _TRANSPORT.match(self.location)
        )


@dataclass(frozen=True, kw_only=True)
class FetchedSource:
    """A local tree ready to copy into a workspace, and what it is."""

    tree: Path
    info: SourceInfo
    local: LocalRepo | None = None
    """For a local folder with a ``.git`` folder: its commit and index, read as files."""


def check_ref(ref: str) -> None:
    """Refuse refs that could be read as options or escape ref syntax."""
    if ref.startswith("-") or not _REF.match(ref) or ".." in ref:
        raise SourceError(
            f"--ref {ref!r} is not a valid branch, tag or commit name",
            hint="use a name such as 'main', 'v1.0' or a commit id",
        )


def check_url(url: str) -> None:
    """Refuse URLs git would turn into a command: other transports, hosts that read as options."""
    supported = "give a local folder or an https://, ssh://, git:// or file:// URL"
    transport = _TRANSPORT.match(url)
    if transport:
        raise SourceError(
            f"{transport.group(1)}:: addresses are refused: git would run a command on this "
            "machine to fetch them",
            hint=supported,
        )
    scheme = _SCHEME.match(url)
    if scheme and scheme.group(1).lower() not in ALLOWED_PROTOCOLS:
        raise SourceError(f"{scheme.group(1)}:// URLs are not supported", hint=supported)
    if re.search(r"(^|://|@)-", url):
        raise SourceError(
            f"{url!r} is not a valid git URL: a host or user name cannot start with '-'",
            hint="check the URL",
        )


def _clone(
    source: Source, dest: Path, limits: WorkspaceLimits, env: tuple[tuple[str, str], ...]
) -> FetchedSource:
    if source.ref is not None:
        check_ref(source.ref)
    check_url(source.location)
    clone = clone_submission(source, dest, limits, env)
    return FetchedSource(
        tree=clone.tree,
        # A token in the URL stays out of every report (they are posted to pull requests).
        info=SourceInfo(
            kind="git", location=shown_url(source.location), ref=source.ref, commit=clone.commit
        ),
    )


def _local(source: Source) -> FetchedSource:
    path = Path(source.location).expanduser()
    if not path.exists():
        raise SourceError(
            f"no such path: {source.location}",
            hint="give an existing directory or a git URL (https://, ssh://, file://)",
        )
    if not path.is_dir():
        raise SourceError(
            f"{source.location} is not a directory", hint="give the repository's root folder"
        )
    if source.ref:
        raise SourceError(
            f"--ref {source.ref} was given with a local path",
            hint=f"use file://{path.resolve()} as the source to evaluate a ref of a local "
            "repository",
        )
    local = read_local_repo(path)
    return FetchedSource(
        tree=path.resolve(),
        info=SourceInfo(
            kind="path", location=source.location, commit=local.commit if local else None
        ),
        local=local,
    )


def fetch(
    source: Source,
    scratch: Path,
    limits: WorkspaceLimits | None = None,
    env: tuple[tuple[str, str], ...] = (),
) -> FetchedSource:
    """Make the submission available as a local tree (cloning into ``scratch`` for URLs).

    ``limits`` bound a clone (time, download, files, bytes, folders, depth)
    before checkout; ``env`` is the host environment git may see
    (``EvaluatorConfig.git_env``).
    """
    if source.is_url:
        return _clone(source, scratch / "clone", limits or WorkspaceLimits(), env)
    return _local(source)


def with_local_changes(fetched: FetchedSource, workspace: Workspace) -> FetchedSource:
    """``fetched`` with ``dirty`` set when a local folder's files differ from its git index.

    Compared on the workspace copy (which the limits already bound), not on the
    learner's folder; an index that could not be read counts as a difference.
    """
    local = fetched.local
    if local is None:
        return fetched
    dirty = local.index is None or differs_from_index(
        local.index, workspace.root, workspace.paths, skip=SKIPPED_DIRS
    )
    return FetchedSource(
        tree=fetched.tree, info=fetched.info.model_copy(update={"dirty": dirty}), local=local
    )
