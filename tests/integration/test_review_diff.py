"""The pull request's diff for the review, from real git repositories, made inert."""

from __future__ import annotations

import pytest

from evaluator.errors import SourceError, UsageError
from evaluator.intake.source import Source, fetch
from evaluator.review.diff import git_diff
from tests.conftest import make_git_repo, write_tree


def _feature_branch(tmp_path, files):
    repo = make_git_repo(tmp_path / "repo", {"app.py": "x = 1\n", "README.md": "# App\n"})
    repo.git.checkout("-b", "feature")
    write_tree(tmp_path / "repo", files)
    repo.git.add(A=True)
    repo.index.commit("feature")
    return repo


def _clone(tmp_path, ref="feature"):
    source = Source(location=f"file://{tmp_path / 'repo'}", ref=ref)
    return fetch(source, tmp_path / "scratch").tree


def test_the_diff_against_the_base_holds_the_pull_requests_changes(tmp_path):
    _feature_branch(tmp_path, {"app.py": "x = 2\n", "new.py": "y = 3\n"})
    diff = git_diff(_clone(tmp_path), "main", cloned=True)
    assert "-x = 1\n+x = 2" in diff
    assert "+++ b/new.py" in diff
    assert "README.md" not in diff


def test_the_learners_git_config_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    repo = _feature_branch(tmp_path, {"app.py": "x = 2\n", ".gitattributes": "*.py diff=evil\n"})
    with repo.config_writer() as cfg:
        for section, option in (("core", "fsmonitor"), ("diff", "external"), ("core", "pager"),
                                ('diff "evil"', "textconv"), ('diff "evil"', "command")):  # fmt: skip
            cfg.set_value(section, option, f"touch {marker}")
    # Plain git in the learner's folder would run the learner's program:
    repo.git.diff("main...HEAD")
    assert marker.exists()
    marker.unlink()
    diff = git_diff(_clone(tmp_path), "main", cloned=True)
    assert "+x = 2" in diff
    assert not marker.exists()


def test_a_local_folder_is_never_handed_to_git(tmp_path):
    _feature_branch(tmp_path, {"app.py": "x = 2\n"})
    with pytest.raises(UsageError, match="never runs git in a local folder"):
        git_diff(tmp_path / "repo", "main", cloned=False)


def test_an_unknown_or_hostile_base_is_a_clear_error(tmp_path):
    _feature_branch(tmp_path, {"app.py": "x = 2\n"})
    tree = _clone(tmp_path)
    with pytest.raises(SourceError, match="cannot diff against the base"):
        git_diff(tree, "nope", cloned=True)
    with pytest.raises(SourceError, match="not a valid branch"):
        git_diff(tree, "--output=/tmp/x", cloned=True)
