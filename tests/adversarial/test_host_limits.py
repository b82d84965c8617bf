"""Limits hold before the damage: a bomb is refused before checkout, a download is cut, a
folder flood stops at the limit, and an evaluation that fails leaves no scratch behind."""

from __future__ import annotations

import json
import os
import time

import pytest

from evaluator.config import MIB, WorkspaceLimits
from evaluator.errors import SourceError, SubmissionTooLarge
from evaluator.intake.clone import disk_bytes
from evaluator.intake.source import Source, fetch
from evaluator.intake.workspace import copy_workspace
from tests.adversarial.hostile import (
    committed_repo,
    deep_folder,
    deep_repo,
    git,
    git_bomb,
    git_server,
    remove_deep,
    tree_stats,
)
from tests.conftest import write_tree
from tests.integration.test_cli import cli


def _checked_out(clone):
    """Entries of a clone outside .git: what a checkout wrote on the host."""
    return [p for p in clone.iterdir() if p.name != ".git"] if clone.exists() else []


def test_git_bomb_is_refused_before_checkout(tmp_path):
    bomb = git_bomb(tmp_path / "bomb")  # 100,000 files, a pack of about 2 KiB
    assert disk_bytes(bomb / ".git" / "objects") < 64 * 1024
    with pytest.raises(SubmissionTooLarge, match="more than 20000 files"):
        fetch(Source(location=f"file://{bomb}"), tmp_path / "s", WorkspaceLimits())
    assert _checked_out(tmp_path / "s" / "clone") == []
    entries, _ = tree_stats(tmp_path / "s")
    assert entries < 100  # the clone's .git folder, nothing else


def test_deep_tree_is_refused_before_checkout(tmp_path):
    repo = deep_repo(tmp_path / "deep", 1_100)
    with pytest.raises(SubmissionTooLarge, match="more than 64 deep"):
        fetch(Source(location=f"file://{repo}"), tmp_path / "s", WorkspaceLimits())
    assert _checked_out(tmp_path / "s" / "clone") == []


def test_tree_bytes_are_checked_from_blob_sizes_before_checkout(tmp_path):
    repo = committed_repo(tmp_path / "r", {"a.bin": "x" * 300_000, "b.bin": "y" * 300_000})
    with pytest.raises(SubmissionTooLarge, match="larger than 0 MiB"):
        fetch(
            Source(location=f"file://{repo}"), tmp_path / "s", WorkspaceLimits(max_bytes=MIB // 2)
        )
    assert _checked_out(tmp_path / "s" / "clone") == []


def test_download_past_its_limit_is_stopped_part_way(tmp_path):
    served = tmp_path / "served"
    repo = committed_repo(served / "big.git", {"a.py": "x\n"})
    (repo / "weights.bin").write_bytes(os.urandom(6 * MIB))  # incompressible
    git(repo, "add", "weights.bin")
    git(repo, "commit", "-q", "-m", "weights")
    limits = WorkspaceLimits(fetch_bytes=MIB)
    with (
        git_server(served, rate=4 * MIB) as server,  # the pack takes 1.5 s to arrive
        pytest.raises(SubmissionTooLarge, match="passed 1 MiB and was stopped"),
    ):
        fetch(Source(location=server.url("big.git")), tmp_path / "s", limits)
    assert disk_bytes(tmp_path / "s") < 3 * MIB  # cut part-way: never the whole 6 MiB


def test_server_that_never_answers_is_cut_at_the_deadline(tmp_path):
    with git_server(tmp_path, behaviour="stall") as server:
        began = time.monotonic()
        with pytest.raises(SourceError, match="took longer than 1 s and was stopped") as info:
            fetch(
                Source(location=server.url("r.git")),
                tmp_path / "s",
                WorkspaceLimits(fetch_timeout_s=1),
            )
        assert time.monotonic() - began < 30  # not the server's hour
    assert "try again" in (info.value.hint or "")


def test_folder_flood_stops_at_the_limit(tmp_path):
    src = tmp_path / "src"
    for i in range(300):
        (src / f"d{i}").mkdir(parents=True)
    with pytest.raises(SubmissionTooLarge, match="more than 100 folders"):
        copy_workspace(src, tmp_path / "ws", WorkspaceLimits(max_dirs=100))
    entries, _ = tree_stats(tmp_path / "ws")
    assert entries == 100


def test_links_and_fifos_count_against_the_file_limit(tmp_path):
    src = write_tree(tmp_path / "src", {"a.py": "x"})
    for i in range(50):
        (src / f"link{i}").symlink_to("a.py")
        os.mkfifo(src / f"fifo{i}")
    with pytest.raises(SubmissionTooLarge, match="more than 40 files"):
        copy_workspace(src, tmp_path / "ws", WorkspaceLimits(max_files=40))


@pytest.mark.docker
@pytest.mark.slow
class TestEvaluate:
    """Through the CLI: exit 2, a report with the reason, and no scratch folder left."""

    def _evaluate(self, tmp_path, location):
        scratch = tmp_path / "tmp"
        scratch.mkdir()
        out = tmp_path / "out"
        done = cli("evaluate", location, "--out", str(out), "-q", env={"TMPDIR": str(scratch)})
        assert done.returncode == 2, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert list(scratch.iterdir()) == []
        return done, json.loads((out / "report.json").read_text())

    def test_git_bomb(self, tmp_path, engine):
        bomb = git_bomb(tmp_path / "bomb")
        done, report = self._evaluate(tmp_path, f"file://{bomb}")
        assert report["verdict"] == "error"
        assert "more than 20000 files" in report["error"]
        assert "error: the submission has more than 20000 files" in done.stderr

    def test_folders_nested_1100_deep(self, tmp_path, engine):
        folder = deep_folder(tmp_path / "deep", 1_100)
        try:
            done, report = self._evaluate(tmp_path, str(folder))
        finally:
            remove_deep(folder)
        assert "nests folders more than 64 deep" in report["error"]
        assert "hint: flatten the folder structure" in done.stderr
