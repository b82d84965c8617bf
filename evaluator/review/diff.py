"""A pull request's changes, for the review to read first.

The caller gives either the diff itself (GitHub's API returns it for a pull request) or
a base ref. A base ref is diffed only in the evaluator's own clone of a git URL, through
the one inert git runner (:func:`evaluator.intake.gitsafe.run_git`): a learner's local
folder is never handed to git, because git reads that folder's own configuration.
Only commits are compared, never the working tree, with external diff and textconv off.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evaluator.errors import SourceError, UsageError
from evaluator.intake.gitsafe import run_git
from evaluator.intake.source import check_ref

#: A diff larger than this is cut (the prompt's token budget cuts it further).
MAX_DIFF_BYTES = 400_000
GIT_TIMEOUT_S = 120.0


def _git(tree: Path, host_env: Sequence[tuple[str, str]], *args: str) -> str:
    done = run_git(["-C", str(tree), *args], host_env=host_env, timeout_s=GIT_TIMEOUT_S)
    if not done.ok:
        last = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise SourceError(
            f"cannot diff against the base: {last}",
            hint="give a branch, tag or commit that exists in the submission's repository",
        )
    return done.stdout.decode("utf-8", errors="replace")


def git_diff(
    tree: Path, base: str, *, cloned: bool, host_env: Sequence[tuple[str, str]] = ()
) -> str:
    """The changes of HEAD against ``base`` in the evaluator's clone at ``tree``.

    ``cloned`` says the tree is the evaluator's own shallow clone of a git URL; it
    holds one commit, so ``base`` is fetched and the two trees compared.
    """
    check_ref(base)
    if not cloned:
        raise UsageError(
            "--base needs a git URL: the evaluator never runs git in a local folder",
            hint="evaluate file:///path/to/repo with --base, or give the diff with --diff FILE",
        )
    _git(tree, host_env, "fetch", "--depth=1", "--no-tags", "origin", base)
    text = _git(
        tree, host_env, "diff", "--no-ext-diff", "--no-textconv", "--no-color",
        "FETCH_HEAD", "HEAD", "--",
    )  # fmt: skip
    return text[:MAX_DIFF_BYTES]


def read_diff(path: Path) -> str:
    """A unified diff from a file (``--diff``), cut at MAX_DIFF_BYTES."""
    try:
        return path.read_bytes()[:MAX_DIFF_BYTES].decode("utf-8", errors="replace")
    except OSError as exc:
        raise SourceError(f"cannot read the diff {path}: {exc.strerror}") from None
