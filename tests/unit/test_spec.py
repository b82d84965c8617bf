import os
from pathlib import Path

from evaluator.config import GIB, MIB, SandboxLimits
from evaluator.sandbox.spec import (
    BASE_ENV,
    INPUT,
    OWNER_ID_LABEL,
    OWNER_LABEL,
    RunSpec,
    bounded_mounts,
    command_user,
    container_kwargs,
    frame_bytes,
    process_owner,
    supervisor_config,
)


def spec(**overrides):
    base = {"image": "img", "command": ["pytest"], "limits": SandboxLimits()}
    return RunSpec(**(base | overrides))


def tmpfs_options(kwargs, path):
    return dict(
        item.partition("=")[::2] for item in kwargs["tmpfs"][path].split(",") if "=" in item
    )


def test_run_phase_is_isolated():
    kwargs = container_kwargs(spec())
    assert kwargs["network_mode"] == "none"
    assert kwargs["read_only"] is True
    assert kwargs["cap_drop"] == ["ALL"]
    # Only what the supervisor needs to become the learner and kill what it leaves.
    assert sorted(kwargs["cap_add"]) == ["KILL", "SETGID", "SETUID"]
    assert kwargs["security_opt"] == ["no-new-privileges"]
    assert "init" not in kwargs  # the supervisor is PID 1


def test_the_supervisor_runs_first_on_the_image_interpreter_outside_the_venv():
    kwargs = container_kwargs(spec())
    entry = kwargs["entrypoint"]
    assert entry[:2] == ["/bin/sh", "-c"]
    assert "-I -S /capstone-in/runtime/supervisor.py /capstone-in/run.json" in entry[2]
    assert "/opt/venv" not in entry[2]
    assert kwargs["command"] == []
    assert kwargs["user"] == "0:0"


def test_the_command_runs_as_the_learner_or_as_root_without_capabilities():
    assert supervisor_config(spec(), seed_workspace=True)["user"] == [10001, 10001]
    assert command_user(spec(user="0:0")) is None
    assert supervisor_config(spec(user="0:0"), seed_workspace=False)["user"] is None


def test_every_writable_place_is_bounded_in_size_and_files():
    kwargs = container_kwargs(spec())
    assert set(kwargs["tmpfs"]) == {"/tmp", "/dev/shm", "/workspace", "/results"}
    for path in kwargs["tmpfs"]:
        options = tmpfs_options(kwargs, path)
        assert int(options["size"]) > 0 and int(options["nr_inodes"]) > 0, path
    workspace = tmpfs_options(kwargs, "/workspace")
    assert (workspace["size"], workspace["nr_inodes"]) == (str(512 * MIB), "100000")
    assert (workspace["uid"], workspace["mode"]) == ("10001", "0755")
    assert "exec" in kwargs["tmpfs"]["/workspace"].split(",")
    assert "noexec" in kwargs["tmpfs"]["/tmp"].split(",")
    # Nothing the learner can write is a volume on the host's disk.
    volumes = [m for m in kwargs["mounts"] if m["Type"] == "volume"]
    assert [m["Target"] for m in volumes] == [INPUT]


def test_tmpfs_sizes_fit_in_the_memory_limit():
    mounts = bounded_mounts(spec(limits=SandboxLimits(memory_bytes=256 * MIB)))
    assert all(m.size <= 64 * MIB for m in mounts)
    assert mounts[-1].limit_text() == "64 MiB / 1,100 files"


def test_install_runs_keep_a_writable_root_and_only_declared_scratch_places():
    kwargs = container_kwargs(spec(read_only=False, user="0:0", volumes=()))
    assert kwargs["read_only"] is False
    assert "/workspace" not in kwargs["tmpfs"]
    assert (
        supervisor_config(spec(read_only=False, volumes=()), seed_workspace=False)["results_dir"]
        is None
    )


def test_default_limits_are_the_documented_ones():
    kwargs = container_kwargs(spec())
    assert kwargs["mem_limit"] == 2 * GIB
    assert kwargs["memswap_limit"] == kwargs["mem_limit"]  # no swap
    assert kwargs["nano_cpus"] == 1_000_000_000
    assert kwargs["pids_limit"] == 256


def test_limits_are_applied_and_the_deadline_goes_to_the_supervisor():
    limits = SandboxLimits(memory_bytes=512 * 1024**2, cpus=0.5, pids=64, wall_s=5)
    kwargs = container_kwargs(spec(limits=limits))
    assert (kwargs["mem_limit"], kwargs["nano_cpus"], kwargs["pids_limit"]) == (
        512 * 1024**2,
        500_000_000,
        64,
    )
    assert supervisor_config(spec(limits=limits), seed_workspace=True)["wall_s"] == 5


def test_environment_holds_nothing_from_the_host(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    env = container_kwargs(spec(env={"EXTRA": "1"}))["environment"]
    assert set(env) == set(BASE_ENV) | {"EXTRA"}
    assert not any("secret" in value for value in env.values())


def test_binds_are_read_only():
    kwargs = container_kwargs(spec(ro_binds=((Path("/srv/harness"), "/harness"),)))
    mounts = {m["Target"]: m for m in kwargs["mounts"]}
    assert mounts["/harness"]["Type"] == "bind"
    assert mounts["/harness"]["ReadOnly"] is True


def test_gpus_only_when_asked():
    assert "device_requests" not in container_kwargs(spec())
    requests = container_kwargs(spec(gpus=True))["device_requests"]
    assert requests[0]["Capabilities"] == [["gpu"]]


def test_the_log_holds_one_report_and_no_more():
    run = spec(limits=SandboxLimits(output_bytes=MIB), result_stream_bytes=16 * MIB)
    config = container_kwargs(run)["log_config"]["Config"]
    assert config["max-file"] == "1"
    assert int(config["max-size"]) == frame_bytes(run)
    # base64 of two output tails, the stream and the result files, with room to spare
    payload = 2 * MIB + 16 * MIB + SandboxLimits().results_bytes
    assert payload * 4 / 3 < frame_bytes(run) < payload * 2


def test_results_are_capped_by_the_supervisor():
    limits = SandboxLimits(results_bytes=8 * MIB, result_file_bytes=MIB, results_files=10)
    config = supervisor_config(spec(limits=limits), seed_workspace=True)
    assert config["results_limits"] == {"bytes": 8 * MIB, "file_bytes": MIB, "files": 10}
    assert config["seed"] == [["/capstone-in/workspace", "/workspace"]]
    assert {w["path"] for w in config["watch"]} == {"/tmp", "/dev/shm", "/workspace", "/results"}


def test_containers_and_their_volume_name_their_owner():
    kwargs = container_kwargs(spec(purpose="tests"))
    labels = kwargs["labels"]
    assert labels["capstone-evaluator"] == "1"
    assert labels["capstone-evaluator.purpose"] == "tests"
    assert labels[OWNER_LABEL] == process_owner()
    assert labels[OWNER_LABEL].endswith(f":{os.getpid()}")
    assert labels[OWNER_ID_LABEL].split(".")[1] == str(os.getpid())
    volume = next(m for m in kwargs["mounts"] if m["Target"] == INPUT)
    assert volume["VolumeOptions"]["Labels"] == labels
