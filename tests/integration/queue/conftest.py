"""Queue fixtures: a small learner repository whose test suite takes a few seconds."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from evaluator.config import EvaluatorConfig, load_config
from evaluator.queue.jobqueue import JobQueue
from evaluator.queue.model import Job, JobSource, ResultTarget
from tests.conftest import make_git_repo
from tests.loopback import RedisServer, WorkerProcess, redis_server

SLOW_TEST = """\
import time

from pkg import add


def test_add():
    time.sleep(6)  # long enough to kill a worker mid-evaluation
    assert add(1, 2) == 3
"""


@pytest.fixture
def slow_repo(tmp_path: Path) -> Path:
    """A git repository whose one test sleeps 6 s inside the sandbox."""
    root = tmp_path / "learner"
    make_git_repo(
        root,
        {
            # A capstone without hidden tests: 1.1's need a `cli:` this package does not have.
            "capstone.yaml": "capstone: 5.4-specialisation\nsource: [pkg]\n",
            "pkg/__init__.py": "def add(a, b):\n    return a + b\n",
            "tests/test_add.py": SLOW_TEST,
        },
    )
    return root


def queue_env(tmp_path: Path, url: str | None) -> dict[str, str]:
    """The environment of producers and workers of one test queue."""
    env = {**os.environ, "CAPSTONE_EVAL_DATA": str(tmp_path / "data")}
    env.pop("CAPSTONE_EVAL_QUEUE_URL", None)
    if url:
        env["CAPSTONE_EVAL_QUEUE_URL"] = url
    return env


def folder_job(job_id: str, source: Path, out: Path) -> Job:
    """A job that evaluates ``source`` and writes its reports to ``out``."""
    return Job(
        id=job_id,
        source=JobSource(location=str(source)),
        target=ResultTarget(kind="folder", options={"out": str(out)}),
        labels={"learner": "ada"},
    )


@pytest.fixture(params=["sqlite", "redis"])
def backend_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a queue on each backend: the embedded SQLite file, and Redis."""
    if request.param == "sqlite":
        yield queue_env(tmp_path, None)
        return
    with redis_server(tmp_path / "redis") as server:
        yield queue_env(tmp_path, server.url)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis server of this test only (it may be restarted)."""
    with redis_server(tmp_path / "redis") as server:
        yield server


def open_queue(env: dict[str, str]) -> tuple[JobQueue, EvaluatorConfig]:
    """The queue (and configuration) a producer with ``env`` would use."""
    config = load_config(env)
    return JobQueue.open(config), config


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    """Worker processes a test starts (append to the list); all stopped at the end."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()
