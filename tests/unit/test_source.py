import pytest

from evaluator.config import WorkspaceLimits
from evaluator.errors import SourceError
from evaluator.intake.gitsafe import git_argv, git_environment
from evaluator.intake.source import Source, fetch, with_local_changes
from evaluator.intake.workspace import copy_workspace
from tests.conftest import make_git_repo


def test_url_detection():
    assert Source(location="https://github.com/a/b.git").is_url
    assert Source(location="git@github.com:a/b.git").is_url
    assert Source(location="file:///srv/repo").is_url
    assert not Source(location="./examples/file-organizer").is_url


def test_every_git_command_is_inert():
    argv = git_argv(["status"])
    settings = {argv[i + 1] for i, arg in enumerate(argv) if arg == "-c"}
    assert {"core.hooksPath=/dev/null", "core.fsmonitor=", "filter.lfs.smudge="} <= settings
    assert {"protocol.allow=never", "protocol.https.allow=always"} <= settings
    assert argv[-1] == "status"
    env = git_environment([("PATH", "/usr/bin"), ("GIT_DIR", "/learner/.git")])
    assert env["GIT_CONFIG_NOSYSTEM"] == "1"
    assert env["GIT_CONFIG_GLOBAL"] == "/dev/null"
    assert env["GIT_ALLOW_PROTOCOL"] == "https:http:ssh:git:file"
    assert "GIT_DIR" not in env
    assert env["PATH"] == "/usr/bin"
    secret = git_environment([], [("http.extraHeader", "Authorization: Basic x")])
    assert secret["GIT_CONFIG_COUNT"] == "1"
    assert secret["GIT_CONFIG_KEY_0"] == "http.extraHeader"


def test_clone_over_file_url_at_branch(tmp_path):
    repo = make_git_repo(tmp_path / "origin", {"a.py": "v1\n"})
    first = repo.head.commit.hexsha
    repo.git.checkout("-b", "attempt-2")
    (tmp_path / "origin" / "a.py").write_text("v2\n")
    repo.git.commit("-am", "v2")
    fetched = fetch(Source(location=f"file://{tmp_path / 'origin'}", ref="main"), tmp_path / "s")
    assert (fetched.tree / "a.py").read_text() == "v1\n"
    assert fetched.info.commit == first
    assert fetched.info.kind == "git"


def test_clone_at_commit(tmp_path):
    repo = make_git_repo(tmp_path / "origin", {"a.py": "v1\n"})
    first = repo.head.commit.hexsha
    (tmp_path / "origin" / "a.py").write_text("v2\n")
    repo.git.commit("-am", "v2")
    fetched = fetch(Source(location=f"file://{tmp_path / 'origin'}", ref=first), tmp_path / "s")
    assert (fetched.tree / "a.py").read_text() == "v1\n"
    assert fetched.info.commit == first


def test_hooks_do_not_run_on_clone(tmp_path):
    repo = make_git_repo(tmp_path / "origin", {"a.py": "x\n"})
    marker = tmp_path / "hook-ran"
    hook = tmp_path / "origin" / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    assert repo.head.is_valid()
    fetch(Source(location=f"file://{tmp_path / 'origin'}"), tmp_path / "s")
    assert not marker.exists()


def test_unreachable_repository(tmp_path):
    with pytest.raises(SourceError, match=r"there is no folder .*missing") as info:
        fetch(Source(location=f"file://{tmp_path / 'missing'}"), tmp_path / "s")
    assert "check the path" in (info.value.hint or "")


def test_unknown_branch(tmp_path):
    make_git_repo(tmp_path / "origin", {"a.py": "x\n"})
    with pytest.raises(SourceError, match="has no branch, tag or commit named no-such-branch"):
        fetch(
            Source(location=f"file://{tmp_path / 'origin'}", ref="no-such-branch"), tmp_path / "s"
        )


def _dirty(path, tmp_path) -> bool:
    fetched = fetch(Source(location=str(path)), tmp_path / "s")
    workspace = copy_workspace(fetched.tree, tmp_path / "ws", WorkspaceLimits())
    dirty = with_local_changes(fetched, workspace).info.dirty
    import shutil

    shutil.rmtree(tmp_path / "ws")
    return dirty


def test_local_path_records_commit_and_dirty_state(tmp_path):
    repo = make_git_repo(tmp_path / "repo", {"a.py": "x\n", "pkg/b.py": "y\n"})
    fetched = fetch(Source(location=str(tmp_path / "repo")), tmp_path / "s")
    assert fetched.info.commit == repo.head.commit.hexsha
    assert fetched.info.kind == "path"
    assert _dirty(tmp_path / "repo", tmp_path) is False
    (tmp_path / "repo" / "new.py").write_text("y\n")
    assert _dirty(tmp_path / "repo", tmp_path) is True
    (tmp_path / "repo" / "new.py").unlink()
    (tmp_path / "repo" / "a.py").write_text("z\n")
    assert _dirty(tmp_path / "repo", tmp_path) is True


def test_missing_local_path(tmp_path):
    with pytest.raises(SourceError, match="no such path"):
        fetch(Source(location=str(tmp_path / "nope")), tmp_path / "s")


def test_local_path_with_ref_points_to_file_url(tmp_path):
    make_git_repo(tmp_path / "repo", {"a.py": "x\n"})
    with pytest.raises(SourceError) as info:
        fetch(Source(location=str(tmp_path / "repo"), ref="main"), tmp_path / "s")
    assert "file://" in (info.value.hint or "")


@pytest.mark.parametrize("ref", ["--upload-pack=touch /tmp/x", "a..b", "main branch", ""])
def test_refs_that_look_like_options_are_refused(tmp_path, ref):
    with pytest.raises(SourceError, match="not a valid branch"):
        fetch(Source(location="file:///nowhere", ref=ref or " "), tmp_path / "s")
