"""Fetching a submission: a local path or a git URL (cloned shallow and inert)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import git

from evaluator.errors import SourceError
from evaluator.model.report import SourceInfo

_URL = re.compile(r"^(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:")
_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_REF = re.compile(r"^[\w][\w./@+-]{0,199}$")

#: git settings that keep a clone inert: no hooks, no submodules, no LFS downloads,
#: no credential prompts. Learner repositories are hostile until proven otherwise.
SAFE_GIT_CONFIG: tuple[str, ...] = (
    "core.hooksPath=/dev/null",
    "filter.lfs.smudge=",
    "filter.lfs.process=",
    "filter.lfs.required=false",
    "protocol.ext.allow=never",
    "submodule.recurse=false",
)
SAFE_GIT_ENV: dict[str, str] = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_LFS_SKIP_SMUDGE": "1",
    "GIT_ASKPASS": "/bin/true",
    "GIT_CONFIG_NOSYSTEM": "1",
}


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
        """True when the location is a git URL rather than a local path."""
        return bool(_URL.match(self.location))


@dataclass(frozen=True, kw_only=True)
class FetchedSource:
    """A local tree ready to copy into a workspace, and what it is."""

    tree: Path
    info: SourceInfo


def clone_options(ref: str | None) -> list[str]:
    """Extra ``git clone`` options (pure): shallow, single branch, no submodules."""
    options = ["--depth=1", "--no-recurse-submodules", "--single-branch", "--no-tags"]
    if ref and not _SHA.match(ref):
        options.append(f"--branch={ref}")
    for setting in SAFE_GIT_CONFIG:
        options.append(f"--config={setting}")
    return options


def _git_error_text(exc: git.GitCommandError) -> str:
    stderr = str(exc.stderr or "").strip().strip("'").strip()
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return lines[-1] if lines else str(exc)


def check_ref(ref: str) -> None:
    """Refuse refs that could be read as options or escape ref syntax."""
    if ref.startswith("-") or not _REF.match(ref) or ".." in ref:
        raise SourceError(
            f"--ref {ref!r} is not a valid branch, tag or commit name",
            hint="use a name such as 'main', 'v1.0' or a commit id",
        )


def git_env(source: Source) -> dict[str, str]:
    """The environment of git commands that fetch ``source``: the safe settings plus the
    source's own (``GIT_CONFIG_COUNT`` entries after any already there)."""
    env = dict(SAFE_GIT_ENV)
    start = int(env.get("GIT_CONFIG_COUNT", "0"))
    for index, (key, value) in enumerate(source.git_config, start=start):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    if source.git_config:
        env["GIT_CONFIG_COUNT"] = str(start + len(source.git_config))
    return env


def _clone(source: Source, dest: Path) -> FetchedSource:
    ref = source.ref
    if ref is not None:
        check_ref(ref)
    env = git_env(source)
    try:
        # The options are the evaluator's own (built above, ref validated), so
        # GitPython's guard against caller-supplied --config is safe to lift.
        repo = git.Repo.clone_from(
            source.location,
            dest,
            multi_options=clone_options(ref),
            env=env,
            allow_unsafe_options=True,
        )
        if ref and _SHA.match(ref):
            # A commit cannot be named by --branch; fetch it by id (servers that
            # allow it), falling back to a full fetch of the default branch history.
            try:
                repo.git.fetch("--depth=1", "origin", ref, env=env)
            except git.GitCommandError:
                repo.git.fetch("--unshallow", "origin", env=env)
            repo.git.checkout("--detach", ref, env=env)
        commit = repo.head.commit.hexsha
    except git.GitCommandError as exc:
        reason = _git_error_text(exc)
        where = f"{source.location}" + (f" at {ref}" if ref else "")
        raise SourceError(
            f"could not fetch {where}: {reason}",
            hint="check the URL, your access to the repository, and that --ref names a branch, "
            "tag or commit that exists",
        ) from None
    return FetchedSource(
        tree=dest,
        info=SourceInfo(kind="git", location=source.location, ref=ref, commit=commit),
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
    commit: str | None = None
    dirty = False
    try:
        repo = git.Repo(path, search_parent_directories=False)
        commit = repo.head.commit.hexsha if repo.head.is_valid() else None
        dirty = repo.is_dirty(untracked_files=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        pass
    return FetchedSource(
        tree=path.resolve(),
        info=SourceInfo(kind="path", location=source.location, commit=commit, dirty=dirty),
    )


def fetch(source: Source, scratch: Path) -> FetchedSource:
    """Make the submission available as a local tree (cloning into ``scratch`` for URLs)."""
    if source.is_url:
        return _clone(source, scratch / "clone")
    return _local(source)
