"""The job queue end to end: real worker processes, real evaluations in the sandbox,
on the embedded SQLite storage and on a Redis server on loopback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docker
import pytest

from evaluator.queue.model import JobState
from evaluator.sandbox.spec import OWNER_LABEL
from tests.integration.queue.conftest import folder_job, open_queue, queue_env
from tests.loopback import RedisServer, WorkerProcess, wait_for

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _containers_of(owner: str) -> list[object]:
    client = docker.from_env()
    # sparse: no inspect per container (one may be removed between the list and the inspect)
    return client.containers.list(
        all=True, sparse=True, filters={"label": f"{OWNER_LABEL}={owner}"}
    )


def test_a_duplicate_submit_is_ignored(backend_env: dict[str, str], tmp_path: Path) -> None:
    queue, _ = open_queue(backend_env)
    job = folder_job("delivery-1", tmp_path, tmp_path / "out")
    assert queue.submit(job).created
    assert not queue.submit(job).created
    assert queue.waiting_ids() == {"delivery-1"}
    assert [r.job.id for r in queue.records()] == ["delivery-1"]


def test_a_worker_killed_mid_job_loses_nothing(
    engine: object,
    backend_env: dict[str, str],
    slow_repo: Path,
    workers: list[WorkerProcess],
    tmp_path: Path,
) -> None:
    queue, _ = open_queue(backend_env)
    first = WorkerProcess(backend_env, tmp_path / "worker-1.log")
    workers.append(first)
    out = tmp_path / "out"
    queue.submit(folder_job("job-1", slow_repo, out))
    wait_for(lambda: _containers_of(first.owner), timeout_s=60, what="the job's container")
    second = WorkerProcess(backend_env, tmp_path / "worker-2.log")
    workers.append(second)
    running = queue.get("job-1")
    assert running is not None and running.state is JobState.RUNNING
    assert running.owner == first.owner

    first.kill()  # SIGKILL mid-evaluation: no clean-up runs in the first worker
    records = queue.wait(["job-1"], timeout_s=90)

    assert records[0].state is JobState.DONE, second.text()
    assert records[0].attempt == 2
    assert '"event": "job.recovered"' in second.text()
    assert json.loads((out / "report.json").read_text())["verdict"] == "pass"
    # The half-made container of the killed worker was reaped.
    wait_for(lambda: not _containers_of(first.owner), timeout_s=30, what="the leftover reaped")
    assert _containers_of(first.owner) == []


def test_a_redis_restart_mid_job_loses_nothing(
    engine: object,
    redis: RedisServer,
    slow_repo: Path,
    workers: list[WorkerProcess],
    tmp_path: Path,
) -> None:
    env = queue_env(tmp_path, redis.url)
    queue, _ = open_queue(env)
    worker = WorkerProcess(env, tmp_path / "worker.log")
    workers.append(worker)
    queue.submit(folder_job("running", slow_repo, tmp_path / "out-1"))
    queue.submit(folder_job("waiting", slow_repo, tmp_path / "out-2"))
    wait_for(lambda: _containers_of(worker.owner), timeout_s=60, what="the first job running")

    redis.stop()  # the queue's server goes away mid-evaluation, and comes back
    redis.start()

    records = queue.wait(["running", "waiting"], timeout_s=120)
    assert [r.state for r in records] == [JobState.DONE, JobState.DONE], worker.text()
    assert records[0].attempt == 1  # the running evaluation was not restarted
    assert (tmp_path / "out-2" / "report.json").is_file()


def test_worker_threads_run_jobs_in_process(
    engine: object, tmp_path: Path, slow_repo: Path
) -> None:
    # What `capstone-eval batch` does: submit, run workers in this process, wait.
    from evaluator.queue.worker import worker_threads

    fast = tmp_path / "fast"
    shutil.copytree(slow_repo, fast)
    (fast / "tests" / "test_add.py").write_text(
        "from pkg import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    )
    queue, config = open_queue(queue_env(tmp_path, None))
    for name in ("a", "b"):
        queue.submit(folder_job(name, fast, tmp_path / f"out-{name}"))
    with worker_threads(queue, config, workers=2):
        records = queue.wait(["a", "b"], timeout_s=120)
    assert [r.state for r in records] == [JobState.DONE, JobState.DONE]
    assert (tmp_path / "out-b" / "report.json").is_file()
