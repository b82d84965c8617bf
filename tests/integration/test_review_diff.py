"""The pull request's diff for the review, from real git repositories, made inert."""

from __future__ import annotations

import pytest

from evaluator.errors import SourceError
from evaluator.review.diff import git_diff
from tests.conftest import make_git_repo, write_tree


def test_the_diff_against_the_base_holds_the_pull_requests_changes(tmp_path):
    repo = make_git_repo(tmp_path / "repo", {"app.py": "x = 1\n", "README.md": "# App\n"})
    repo.git.checkout("-b", "feature")
    write_tree(tmp_path / "repo", {"app.py": "x = 2\n", "new.py": "y = 3\n"})
    repo.git.add(A=True)
    repo.index.commit("feature")
    diff = git_diff(tmp_path / "repo", "main", fetch=False)
    assert "-x = 1\n+x = 2" in diff
    assert "+++ b/new.py" in diff
    assert "README.md" not in diff


def test_the_learners_git_config_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    repo = make_git_repo(tmp_path / "repo", {"app.py": "x = 1\n"})
    repo.git.checkout("-b", "feature")
    write_tree(tmp_path / "repo", {
        "app.py": "x = 2\n",
        ".gitattributes": "*.py diff=evil\n",
    })  # fmt: skip
    repo.git.add(A=True)
    repo.index.commit("feature")
    with repo.config_writer() as cfg:
        for section, option in (("core", "fsmonitor"), ("diff", "external"), ("core", "pager"),
                                ('diff "evil"', "textconv"), ('diff "evil"', "command")):  # fmt: skip
            cfg.set_value(section, option, f"touch {marker}")
    # Plain git would run the learner's program (the test would catch nothing otherwise):
    repo.git.diff("main...HEAD")
    assert marker.exists()
    marker.unlink()
    diff = git_diff(tmp_path / "repo", "main", fetch=False)
    assert "+x = 2" in diff
    assert not marker.exists()


def test_an_unknown_or_hostile_base_is_a_clear_error(tmp_path):
    make_git_repo(tmp_path / "repo", {"app.py": "x = 1\n"})
    with pytest.raises(SourceError, match="cannot diff against 'nope'"):
        git_diff(tmp_path / "repo", "nope", fetch=False)
    with pytest.raises(SourceError, match="not a valid branch"):
        git_diff(tmp_path / "repo", "--output=/tmp/x", fetch=False)
