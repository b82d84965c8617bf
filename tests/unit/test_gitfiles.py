"""Reading a local repository's HEAD, refs and index as files, against what git itself says."""

import os
import subprocess

import pytest

from evaluator.intake.gitfiles import parse_index, read_local_repo, read_regular, resolve_head
from tests.conftest import make_git_repo


def _git(repo, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_head_through_a_loose_branch(tmp_path):
    repo = make_git_repo(tmp_path / "r", {"a.py": "x\n"})
    assert resolve_head(tmp_path / "r" / ".git") == repo.head.commit.hexsha


def test_head_through_packed_refs_and_detached(tmp_path):
    repo = make_git_repo(tmp_path / "r", {"a.py": "x\n"})
    _git(tmp_path / "r", "pack-refs", "--all")
    assert not (tmp_path / "r" / ".git" / "refs" / "heads" / "main").exists()
    assert resolve_head(tmp_path / "r" / ".git") == repo.head.commit.hexsha
    _git(tmp_path / "r", "checkout", "-q", "--detach")
    assert resolve_head(tmp_path / "r" / ".git") == repo.head.commit.hexsha


@pytest.mark.parametrize(
    "head",
    [
        b"ref: refs/heads/../../../../etc/passwd\n",
        b"ref: /etc/passwd\n",
        b"ref: refs/heads/loop\n",
        b"not a ref at all\n",
    ],
)
def test_head_that_leaves_git_or_loops_gives_no_commit(tmp_path, head):
    git_dir = tmp_path / ".git"
    (git_dir / "refs" / "heads").mkdir(parents=True)
    (git_dir / "refs" / "heads" / "loop").write_bytes(b"ref: refs/heads/loop\n")
    (git_dir / "HEAD").write_bytes(head)
    assert resolve_head(git_dir) is None


def test_links_and_fifos_are_not_read(tmp_path):
    (tmp_path / "secret").write_text("0" * 40)
    (tmp_path / "link").symlink_to(tmp_path / "secret")
    os.mkfifo(tmp_path / "fifo")  # opening it for reading would block forever
    assert read_regular(tmp_path / "secret", 100) == b"0" * 40
    assert read_regular(tmp_path / "link", 100) is None
    assert read_regular(tmp_path / "fifo", 100) is None
    assert read_regular(tmp_path / "secret", 10) is None  # larger than the limit


@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_index_entries_match_git_ls_files(tmp_path, version):
    files = {"a.py": "x\n", "pkg/deep/name with space.py": "y\n", "pkg/z.txt": "z" * 70}
    make_git_repo(tmp_path / "r", files)
    (tmp_path / "r" / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "r" / "run.sh").chmod(0o755)
    _git(tmp_path / "r", "add", "run.sh")
    _git(tmp_path / "r", "update-index", "--index-version", version)
    entries = parse_index((tmp_path / "r" / ".git" / "index").read_bytes())
    staged = _git(tmp_path / "r", "ls-files", "-s", "-z").split("\0")
    expected = []
    for line in filter(None, staged):
        meta, path = line.split("\t", 1)
        mode, oid, stage = meta.split()
        expected.append((path, int(mode, 8), oid, int(stage)))
    assert [(e.path, e.mode, e.oid.hex(), e.stage) for e in entries] == expected
    assert {e.path: e.size for e in entries}["pkg/z.txt"] == 70


def test_not_an_index_is_refused():
    with pytest.raises(ValueError, match="not a git index"):
        parse_index(b"DIRC\0\0\0\x09\0\0\0\x01" + b"\0" * 80)


def test_git_file_of_a_worktree_is_not_followed(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / ".git").write_text("gitdir: /etc\n")
    assert read_local_repo(tmp_path / "r") is None
