import os

import pytest

from evaluator.config import WorkspaceLimits
from evaluator.errors import SubmissionTooLarge
from evaluator.intake.workspace import copy_workspace, workspace_check
from evaluator.model.report import Status
from tests.conftest import write_tree


def test_copies_files_and_skips_vcs_and_caches(tmp_path):
    src = write_tree(
        tmp_path / "src",
        {"a.py": "x", "pkg/b.py": "y", ".git/config": "z", "pkg/__pycache__/b.pyc": "c"},
    )
    ws = copy_workspace(src, tmp_path / "ws", WorkspaceLimits())
    assert sorted(p.relative_to(ws.root).as_posix() for p in ws.root.rglob("*") if p.is_file()) == [
        "a.py",
        "pkg/b.py",
    ]
    assert (ws.files, ws.bytes) == (2, 2)
    assert workspace_check(ws).status is Status.PASS


def test_link_outside_is_reported_not_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret")
    src = write_tree(tmp_path / "src", {"a.py": "x"})
    (src / "leak").symlink_to(secret)
    (src / "leakdir").symlink_to(tmp_path)
    ws = copy_workspace(src, tmp_path / "ws", WorkspaceLimits())
    assert not os.path.lexists(ws.root / "leak")
    assert not os.path.lexists(ws.root / "leakdir")
    check = workspace_check(ws)
    assert check.status is Status.FAIL
    assert {f.path for f in check.findings} == {"leak", "leakdir"}
    assert all(f.code == "symlink-outside" for f in check.findings)


def test_link_inside_is_kept_relative(tmp_path):
    src = write_tree(tmp_path / "src", {"data/real.csv": "1,2"})
    (src / "alias.csv").symlink_to(src / "data" / "real.csv")
    ws = copy_workspace(src, tmp_path / "ws", WorkspaceLimits())
    link = ws.root / "alias.csv"
    assert link.is_symlink()
    assert os.readlink(link) == "data/real.csv"
    assert link.read_text() == "1,2"


def test_special_files_are_left_out(tmp_path):
    src = write_tree(tmp_path / "src", {"a.py": "x"})
    os.mkfifo(src / "pipe")
    ws = copy_workspace(src, tmp_path / "ws", WorkspaceLimits())
    assert ws.skipped_special == ["pipe"]


def test_file_count_limit(tmp_path):
    src = write_tree(tmp_path / "src", {f"f{i}.txt": "x" for i in range(5)})
    with pytest.raises(SubmissionTooLarge, match="more than 4 files"):
        copy_workspace(src, tmp_path / "ws", WorkspaceLimits(max_files=4))


def test_size_limit(tmp_path):
    src = write_tree(tmp_path / "src", {"big.bin": "x" * 3000})
    with pytest.raises(SubmissionTooLarge, match="larger than") as info:
        copy_workspace(src, tmp_path / "ws", WorkspaceLimits(max_bytes=2048))
    assert info.value.hint is not None
