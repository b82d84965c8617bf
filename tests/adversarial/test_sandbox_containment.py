"""Containment: learner code cannot fill the host's disk or stop the sandbox's supervisor."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from evaluator.model.report import Status
from tests.adversarial import sandbox_repos as repos
from tests.adversarial.sandbox_eval import check, evaluate_files

pytestmark = [pytest.mark.docker, pytest.mark.slow]

MIB = 1024**2
#: Where a volume or the container layer would land on the host.
HOST_PLACES = ("/var/lib/docker", "/tmp", "/")


@dataclass
class Lowest:
    """The least free space and inodes seen on the host's file systems during a run."""

    bytes_drop: int = 0
    inodes_drop: int = 0


@contextmanager
def host_free_space() -> Iterator[Lowest]:
    """Watch how far free space and free inodes fall while the block runs."""
    places = [p for p in HOST_PLACES if os.path.exists(p)]
    start = {p: os.statvfs(p) for p in places}
    lowest = Lowest()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for place in places:
                now, then = os.statvfs(place), start[place]
                lowest.bytes_drop = max(
                    lowest.bytes_drop, (then.f_bavail - now.f_bavail) * now.f_frsize
                )
                lowest.inodes_drop = max(lowest.inodes_drop, then.f_favail - now.f_favail)
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield lowest
    finally:
        done.set()
        thread.join()


def test_filling_the_workspace_stays_in_the_sandbox(tmp_path, engine, config):
    with host_free_space() as host:
        report = evaluate_files(tmp_path / "repo", repos.fills_disk(), config)
    tests = check(report, "tests")
    assert tests.status is Status.ERROR
    assert tests.fault is not None and tests.fault.value == "learner"
    assert "the workspace is full: 512 MiB / 100,000 files limit" in tests.summary
    # The test tried 2 GiB and 300,000 files; the host saw neither (other work on
    # this shared machine moves the figures a little, hence a margin).
    assert host.bytes_drop < 400 * MIB, host
    assert host.inodes_drop < 50_000, host


def test_honest_twin_writing_a_little_passes(tmp_path, engine, config):
    report = evaluate_files(tmp_path / "repo", repos.writes_some(), config)
    tests = check(report, "tests")
    assert tests.status is Status.PASS, tests.summary
    assert tests.metrics["passed"] == 3


def test_learner_cannot_stop_the_supervisor(tmp_path, engine, config):
    began = time.monotonic()
    report = evaluate_files(tmp_path / "repo", repos.attacks_supervisor(), config, wall_s=5)
    elapsed = time.monotonic() - began
    tests = check(report, "tests")
    # The supervisor survived SIGSTOP and SIGKILL, enforced the deadline itself and
    # reported (the host's own kill comes only 30 s later).
    assert tests.status is Status.ERROR
    assert "timed out after 5 s" in tests.summary
    assert report.timings.phases["tests"] < 5 + 10
    assert elapsed < 5 + 20
