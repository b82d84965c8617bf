"""A SIGKILLed evaluator: its sandbox stops by its own deadline, the next evaluate reaps it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import docker.errors
import pytest

from evaluator.sandbox.spec import LABEL, OWNER_LABEL
from tests.adversarial import sandbox_repos as repos
from tests.conftest import write_tree

pytestmark = [pytest.mark.docker, pytest.mark.slow]

WALL_S = 6


def cli(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = Path(sys.executable).with_name("capstone-eval")
    return subprocess.Popen(
        [str(command), "evaluate", *args, "-q"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def running_test_container(engine, owner: str, deadline: float):
    while time.monotonic() < deadline:
        for container in engine.client.containers.list(
            filters={"label": [f"{OWNER_LABEL}={owner}", f"{LABEL}.purpose=tests"]},
            ignore_removed=True,
        ):
            return container
        time.sleep(0.1)
    raise AssertionError(f"no running test container of {owner}")


def docker_time(text: str) -> datetime:
    # "2026-11-25T13:50:08.648753123Z": Python reads at most microseconds.
    head, _, fraction = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{fraction[:6] or '0'}")


def test_sigkilled_evaluator_leaves_a_stopped_sandbox_that_the_next_run_reaps(
    tmp_path, engine, config
):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "CAPSTONE_EVAL_TIMEOUT_S": str(WALL_S)}
    looping = write_tree(tmp_path / "looping", repos.loops_forever())
    killed = cli(str(looping), "--out", str(tmp_path / "out1"), env=env)
    owner = f"{socket.gethostname()}:{killed.pid}"
    try:
        container = running_test_container(engine, owner, time.monotonic() + 120)
    finally:
        # Not reaped yet: while the dead evaluator is a zombie its pid still looks
        # alive, so cleanup run by other evaluations on this shared engine leaves
        # its container alone until this test has looked at it.
        killed.send_signal(signal.SIGKILL)
    # Nobody waits for it any more: the supervisor's own deadline stops it.
    container.wait(timeout=WALL_S + 20)
    container.reload()
    state = container.attrs["State"]
    ran_s = (docker_time(state["FinishedAt"]) - docker_time(state["StartedAt"])).total_seconds()
    assert state["Status"] == "exited"
    assert WALL_S <= ran_s < WALL_S + 5, ran_s
    volumes = [m["Name"] for m in container.attrs["Mounts"] if m["Type"] == "volume"]
    assert volumes
    assert [p.name for p in scratch.iterdir() if p.name.startswith("capstone-eval-")]
    killed.wait()

    honest = write_tree(tmp_path / "honest", repos.honest())
    done = cli(str(honest), "--out", str(tmp_path / "out2"), env=env)
    _, stderr = done.communicate(timeout=300)
    assert done.returncode in (0, 1), stderr.decode(errors="replace")
    with pytest.raises(docker.errors.NotFound):
        container.reload()
    for name in volumes:
        with pytest.raises(docker.errors.NotFound):
            engine.client.volumes.get(name)
    assert not [p for p in scratch.iterdir() if p.name.startswith("capstone-eval-")]
