"""A pull request's changes, for the review to read first.

The caller gives either the diff itself (GitHub's API returns it for a pull request) or
a base ref: then ``git diff BASE HEAD`` runs on the submission's repository with every
setting that could run a program turned off (no external diff, no textconv filter, no
fsmonitor, no hooks, no pager, no system or global config). Only commits and trees are
compared, never the working tree, so nothing the learner's config names is executed.
"""

from __future__ import annotations

import os
from pathlib import Path

from evaluator.errors import CommandFailed, SourceError
from evaluator.intake.source import SAFE_GIT_ENV, check_ref
from evaluator.proc import run

#: A diff larger than this is cut (the prompt's token budget cuts it further).
MAX_DIFF_BYTES = 400_000

_INERT = (
    "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "diff.external=",
    "-c", "core.pager=cat", "-c", "core.attributesFile=/dev/null", "-c", "protocol.ext.allow=never",
)  # fmt: skip


def _git(tree: Path, *args: str) -> str:
    env = {**SAFE_GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull, "PATH": os.defpath, "HOME": "/"}
    return run(["git", *_INERT, "-C", str(tree), *args], env=env, timeout=60).stdout


def git_diff(tree: Path, base: str, *, fetch: bool) -> str:
    """``git diff BASE...HEAD`` of the repository at ``tree``, made inert (see the module).

    ``fetch``: the tree is the evaluator's own shallow clone of a git URL, which lacks the
    base; it is fetched first (never done in a learner's local folder).
    """
    check_ref(base)
    span = [f"{base}...HEAD"]
    try:
        if fetch:
            # The clone holds one commit of history, so no merge base: compare the trees.
            _git(tree, "fetch", "--depth=1", "--no-tags", "origin", base)
            span = ["FETCH_HEAD", "HEAD"]
        text = _git(tree, "diff", "--no-ext-diff", "--no-textconv", "--no-color", *span, "--")
    except CommandFailed as exc:
        last = (exc.stderr.strip().splitlines() or ["git failed"])[-1]
        raise SourceError(
            f"cannot diff against {base!r}: {last}",
            hint="give a branch, tag or commit that exists in the submission's repository",
        ) from None
    return text[:MAX_DIFF_BYTES]


def read_diff(path: Path) -> str:
    """A unified diff from a file (``--diff``), cut at MAX_DIFF_BYTES."""
    try:
        return path.read_bytes()[:MAX_DIFF_BYTES].decode("utf-8", errors="replace")
    except OSError as exc:
        raise SourceError(f"cannot read the diff {path}: {exc.strerror}") from None
