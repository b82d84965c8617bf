"""The sandbox engine against the real Docker engine: supervisor, limits, results, commits."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid

import docker.errors
import pytest

from evaluator.config import MIB, SandboxLimits
from evaluator.install import images
from evaluator.install.cache import WheelCache
from evaluator.sandbox.engine import DockerEngine, RunCancelled
from evaluator.sandbox.spec import OWNER_LABEL, RunSpec, process_owner

pytestmark = pytest.mark.docker


def run(engine, config, command, tmp_path=None, **spec):
    limits = spec.pop("limits", config.limits)
    run_spec = RunSpec(image=config.sandbox_image, command=command, limits=limits, **spec)
    collect = tmp_path / "results" if tmp_path is not None else None
    return engine.run(run_spec, collect_to=collect)


def test_exit_status_and_output_come_back(engine, config):
    outcome = run(engine, config, ["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (3, "out\n", "err\n")
    assert not outcome.ok


def test_output_keeps_its_tail(engine, config):
    limits = SandboxLimits(output_bytes=1000)
    outcome = run(
        engine, config, ["python", "-c", "print('x' * 100_000); print('END')"], limits=limits
    )
    assert outcome.stdout.endswith("END\n")
    assert len(outcome.stdout) == 1000
    assert outcome.stdout_truncated


def test_the_learner_cannot_change_the_evaluators_inputs(engine, config):
    script = (
        "id -u; touch /capstone-in/runtime/supervisor.py 2>/dev/null && echo WROTE; "
        "touch /capstone-in/x 2>/dev/null && echo WROTE; grep CapEff /proc/self/status"
    )
    outcome = run(engine, config, ["sh", "-c", script])
    assert outcome.stdout.splitlines() == ["10001", "CapEff:\t0000000000000000"]


def test_a_root_command_holds_no_capability(engine, config):
    outcome = run(
        engine,
        config,
        ["sh", "-c", "id -u; grep CapEff /proc/self/status; kill -9 1; echo alive"],
        user="0:0",
    )
    assert outcome.stdout.splitlines() == ["0", "CapEff:\t0000000000000000", "alive"]


def test_results_are_regular_files_under_their_caps(engine, config, tmp_path):
    limits = SandboxLimits(result_file_bytes=MIB, results_files=3)
    script = (
        "mkdir -p /results/sub; echo ok > /results/sub/a.txt; "
        "ln -s /etc/passwd /results/link; mkfifo /results/fifo; "
        "head -c 2000000 /dev/zero > /results/big.bin"
    )
    outcome = run(engine, config, ["sh", "-c", script], tmp_path, limits=limits)
    assert outcome.results == ["sub/a.txt"]
    assert (tmp_path / "results" / "sub" / "a.txt").read_text() == "ok\n"
    assert not (tmp_path / "results" / "link").exists()
    assert any("big.bin is 1.9 MiB, over the 1 MiB limit" in d for d in outcome.dropped)
    reason = outcome.failure_reason(60, 1, 1)
    assert reason is not None and "big.bin" in reason


def test_processes_left_running_are_killed_and_counted(engine, config):
    began = time.monotonic()
    outcome = run(engine, config, ["sh", "-c", "sleep 300 & sleep 300 & echo started"])
    assert outcome.ok
    assert outcome.leftover_processes == 2
    assert time.monotonic() - began < 30


def test_the_supervisor_enforces_the_deadline(engine, config):
    limits = SandboxLimits(wall_s=2)
    began = time.monotonic()
    outcome = run(engine, config, ["sh", "-c", "echo begun; sleep 300"], limits=limits)
    assert outcome.timed_out
    assert outcome.stdout == "begun\n"  # the report still came back
    assert 2 <= outcome.duration_s < 4
    assert time.monotonic() - began < 15


def test_a_full_tmp_is_named_with_its_limit(engine, config):
    limits = SandboxLimits(tmpfs_bytes=16 * MIB)
    outcome = run(
        engine, config, ["sh", "-c", "head -c 64000000 /dev/zero > /tmp/fill; true"], limits=limits
    )
    assert outcome.full == ("/tmp is full: 16 MiB / 100,000 files limit (out of space)",)
    assert not outcome.ok


def test_commit_keeps_what_a_root_command_wrote(engine, config):
    tag = f"capstone-evaluator/test-commit:{uuid.uuid4().hex[:12]}"
    spec = RunSpec(
        image=config.sandbox_image,
        command=["sh", "-c", "echo layer > /opt/sandbox/marker"],
        limits=config.limits,
        read_only=False,
        user="0:0",
        volumes=(),
    )
    try:
        assert engine.run(spec, commit_as=tag).ok
        assert engine.client.images.get(tag).attrs["Config"]["User"] == "10001"
        later = RunSpec(image=tag, command=["cat", "/opt/sandbox/marker"], limits=config.limits)
        assert engine.run(later).stdout == "layer\n"
    finally:
        with contextlib.suppress(docker.errors.ImageNotFound):
            engine.client.images.remove(tag, force=True)


def test_a_command_killed_by_a_signal_exits_like_a_shell_says(engine, config):
    outcome = run(engine, config, ["sh", "-c", "kill -9 $$"])
    assert outcome.exit_code == 137


def test_a_cancelled_run_stops_at_once_and_leaves_nothing(engine, config):
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    spec = RunSpec(
        image=config.sandbox_image, command=["sleep", "300"], limits=config.limits, purpose="cancel"
    )
    began = time.monotonic()
    with pytest.raises(RunCancelled):
        engine.run(spec, cancel=cancel)
    assert time.monotonic() - began < 10
    mine = {"label": [f"{OWNER_LABEL}={process_owner()}", "capstone-evaluator.purpose=cancel"]}
    assert not engine.client.containers.list(all=True, filters=mine, ignore_removed=True)


class _CountingReads(DockerEngine):
    """The real engine, counting the containers started to read a file from an image."""

    def __init__(self, client: docker.DockerClient) -> None:
        super().__init__(client)
        self.reads: list[str] = []

    def read_file(self, image: str, path: str, max_bytes: int = 1024 * 1024) -> bytes | None:
        self.reads.append(image)
        return super().read_file(image, path, max_bytes)


def test_each_images_description_is_kept_by_image_id(engine, config, tmp_path):
    cache = WheelCache(root=tmp_path)
    counting = _CountingReads(engine.client)
    default, targets = images.load_targets(counting, config.sandbox_image, cache)
    assert default.image_id == engine.image_id(config.sandbox_image)
    assert default in targets
    # Read by image id (a tag moved meanwhile cannot mix two images), once per image.
    assert {t.image_id for t in targets} <= set(counting.reads)
    assert all(read.startswith("sha256:") for read in counting.reads)
    reads = len(counting.reads)
    assert images.load_targets(counting, config.sandbox_image, cache) == (default, targets)
    assert len(counting.reads) == reads
    # A damaged copy is not believed: the image is read again.
    kept = tmp_path / "images" / f"{default.image_id.removeprefix('sha256:')}.json"
    for damaged in ('{"python": ', "[]", '{"packages": [1]}'):
        kept.write_text(damaged)
        assert images.load_target(counting, config.sandbox_image, cache) == default
    assert counting.reads[reads:] == [default.image_id] * 3
