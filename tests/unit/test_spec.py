from pathlib import Path

from evaluator.config import GIB, SandboxLimits
from evaluator.sandbox.spec import BASE_ENV, RunSpec, container_kwargs


def spec(**overrides):
    base = {"image": "img", "command": ["pytest"], "limits": SandboxLimits()}
    return RunSpec(**(base | overrides))


def test_run_phase_is_isolated():
    kwargs = container_kwargs(spec())
    assert kwargs["network_mode"] == "none"
    assert kwargs["read_only"] is True
    assert kwargs["cap_drop"] == ["ALL"]
    assert kwargs["security_opt"] == ["no-new-privileges"]
    assert kwargs["user"] == "10001:10001"
    assert kwargs["tmpfs"]["/tmp"].startswith("rw,nosuid,nodev,size=")


def test_default_limits_are_the_documented_ones():
    kwargs = container_kwargs(spec())
    assert kwargs["mem_limit"] == 2 * GIB
    assert kwargs["memswap_limit"] == kwargs["mem_limit"]  # no swap
    assert kwargs["nano_cpus"] == 1_000_000_000
    assert kwargs["pids_limit"] == 256


def test_limits_are_applied():
    limits = SandboxLimits(memory_bytes=512 * 1024**2, cpus=0.5, pids=64, wall_s=5)
    kwargs = container_kwargs(spec(limits=limits))
    assert (kwargs["mem_limit"], kwargs["nano_cpus"], kwargs["pids_limit"]) == (
        512 * 1024**2,
        500_000_000,
        64,
    )


def test_environment_holds_nothing_from_the_host(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    env = container_kwargs(spec(env={"EXTRA": "1"}))["environment"]
    assert set(env) == set(BASE_ENV) | {"EXTRA"}
    assert not any("secret" in value for value in env.values())


def test_volumes_are_anonymous_and_binds_read_only():
    kwargs = container_kwargs(spec(ro_binds=((Path("/srv/harness"), "/harness"),)))
    mounts = {m["Target"]: m for m in kwargs["mounts"]}
    assert mounts["/workspace"]["Type"] == "volume"
    assert not mounts["/workspace"].get("Source")
    assert mounts["/harness"]["Type"] == "bind"
    assert mounts["/harness"]["ReadOnly"] is True


def test_gpus_only_when_asked():
    assert "device_requests" not in container_kwargs(spec())
    requests = container_kwargs(spec(gpus=True))["device_requests"]
    assert requests[0]["Capabilities"] == [["gpu"]]


def test_captured_output_is_bounded_on_the_engine_side():
    kwargs = container_kwargs(spec(limits=SandboxLimits(output_bytes=1024 * 1024)))
    assert kwargs["log_config"]["Config"] == {"max-size": "1048576", "max-file": "2"}


def test_containers_are_labelled_for_cleanup():
    assert container_kwargs(spec(purpose="tests"))["labels"] == {
        "capstone-evaluator": "1",
        "capstone-evaluator.purpose": "tests",
    }
