"""The install phase's pure parts: interpreter choice, stack split, stubs, pip argv, layer spec."""

import zipfile
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from evaluator.config import EvaluatorConfig, SandboxLimits
from evaluator.install.cache import WheelCache, sha256_of
from evaluator.install.layer import layer_spec, layer_tag, stage_wheels
from evaluator.install.plan import plan_install
from evaluator.install.resolve import (
    HostPip,
    ResolvedWheel,
    failure_from_output,
    target_args,
)
from evaluator.install.stubs import is_stub_version, stack_stubs, stub_version
from evaluator.intake.dependencies import Origin, PythonAsk, plan_dependencies
from evaluator.sandbox.apt_sources import debian_mirror
from evaluator.sandbox.interpreters import (
    INTERPRETERS,
    SandboxTarget,
    choose_target,
    interpreter_image,
    parse_target,
    unbuilt_fit,
)
from evaluator.sandbox.spec import INPUT, container_kwargs
from tests.conftest import write_tree


def target(python="3.11.2", **stack) -> SandboxTarget:
    stack.setdefault("setuptools", "65.5.0")
    cp = "cp" + "".join(python.split(".")[:2])
    return SandboxTarget(
        image=f"sandbox:{python}",
        image_id=f"sha256:{python}",
        python=python,
        abi=cp,
        platforms=("manylinux_2_36_x86_64", "manylinux_2_17_x86_64"),
        stack={"numpy": "2.2.4", "torch": "2.13.0+cpu", "pandas": "2.2.3", **stack},
        stack_extras={"pandas": {"excel": ('openpyxl>=3.1; extra == "excel"',)}},
    )


PY311, PY313 = target("3.11.2"), target("3.13.5")


def ask(spec, *, required=True, path="pyproject.toml"):
    return PythonAsk(
        specifier=SpecifierSet(spec), origin=Origin(path=path, line=1), required=required
    )


@pytest.mark.parametrize(
    ("asks", "expected"),
    [
        ([], "3.11.2"),
        ([ask(">=3.12")], "3.13.5"),
        ([ask(">=3.9")], "3.13.5"),
        ([ask(">=3.9"), ask("==3.11.*", required=False, path=".python-version")], "3.11.2"),
        ([ask("==3.12.*", required=False, path=".python-version")], "3.13.5"),
        ([ask("<3.12")], "3.11.2"),
    ],
)
def test_choose_target(asks, expected):
    choice = choose_target(asks, (PY311, PY313), default=PY311)
    assert choice.target is not None
    assert choice.target.python == expected


def test_no_interpreter_fits_names_the_offered_ones():
    choice = choose_target([ask(">=3.14")], (PY311, PY313), default=PY311)
    assert choice.target is None
    assert (
        choice.reason == "requires Python >=3.14 (pyproject.toml:1): the sandbox offers 3.11, 3.13"
    )


def test_an_unbuilt_interpreter_that_would_fit_is_named():
    assert unbuilt_fit([ask(">=3.12")], (PY311,)) == "3.13"
    assert unbuilt_fit([ask(">=3.12")], (PY311, PY313)) is None
    assert unbuilt_fit([ask(">=3.14")], (PY311,)) is None


def test_interpreter_images_derive_from_the_default_tag():
    assert interpreter_image("capstone-evaluator/sandbox:latest", "3.13") == (
        "capstone-evaluator/sandbox:latest-py3.13"
    )
    assert (
        interpreter_image("registry:5000/sandbox", "3.13") == "registry:5000/sandbox:latest-py3.13"
    )
    assert list(INTERPRETERS) == ["3.11", "3.13"]


def test_parse_target_reads_the_image_description():
    raw = (
        b'{"python": "3.13.5", "implementation": "cp", "abi": "cp313", "platforms": ["manylinux_2_41_x86_64"],'
        b' "packages": [{"name": "NumPy", "version": "2.2.4", "extras": {}}]}'
    )
    parsed = parse_target("img", "sha256:1", raw)
    assert (parsed.minor, parsed.stack, parsed.label) == (
        "3.13",
        {"numpy": "2.2.4"},
        "Python 3.13 on linux x86_64",
    )
    with pytest.raises(KeyError):
        parse_target("img", "sha256:1", b"{}")


def test_plan_splits_by_the_preinstalled_stack(tmp_path):
    write_tree(
        tmp_path,
        {
            "requirements.txt": "numpy>=2\nNumPy==1.21\npandas[excel]\nsix\nsetuptools>=99\n"
            "pywin32; sys_platform == 'win32'\nnvidia-cublas-cu12\ntorch\n",
            "uv.lock": '[[package]]\nname = "numpy"\nversion = "1.26.4"\n'
            '[[package]]\nname = "six"\nversion = "1.16.0"\n',
        },
    )
    plan = plan_install(plan_dependencies(tmp_path), PY311)
    assert [i.text for i in plan.to_resolve] == ["pandas[excel]", "six", "setuptools>=99"]
    assert [(p.name, p.version) for p in plan.preinstalled] == [
        ("numpy", "2.2.4"),
        ("torch", "2.13.0+cpu"),
    ]
    assert plan.conflicts == (
        "NumPy==1.21 (requirements.txt:2) conflicts with the sandbox's preinstalled numpy 2.2.4: "
        "relax the pin or remove it",
    )
    assert len(plan.not_applicable) == 1 and "pywin32" in plan.not_applicable[0]
    assert len(plan.gpu_only) == 1
    assert plan.pins == ("six==1.16.0",)
    assert "numpy 1.26.4" in plan.pin_notes[0]


def test_stub_versions_never_match_an_index_release():
    assert stub_version("2.2.4") == "2.2.4+sandbox"
    assert stub_version("2.13.0+cpu") == "2.13.0+cpu.sandbox"
    assert is_stub_version("2.13.0+cpu.sandbox") and not is_stub_version("2.13.0+cpu")
    assert stub_version("not a version") is None


def test_stack_stubs_are_metadata_only_wheels(tmp_path):
    constraints = stack_stubs(PY311, tmp_path)
    assert "torch==2.13.0+cpu.sandbox" in constraints
    stub = tmp_path / "pandas-2.2.3+sandbox-py3-none-any.whl"
    with zipfile.ZipFile(stub) as archive:
        names = archive.namelist()
        metadata = archive.read("pandas-2.2.3+sandbox.dist-info/METADATA").decode()
    assert all(name.startswith("pandas-2.2.3+sandbox.dist-info/") for name in names)
    assert "Provides-Extra: excel" in metadata
    assert 'Requires-Dist: openpyxl>=3.1; extra == "excel"' in metadata


def test_host_pip_is_isolated_and_targets_the_sandbox(tmp_path):
    pip = HostPip(index_url="https://mirror/simple", proxy_env={"HTTPS_PROXY": "http://proxy:3128"})
    argv = pip.base_argv("install", WheelCache(root=tmp_path))
    assert argv[1:5] == ["-m", "pip", "--isolated", "install"]
    assert argv[argv.index("--index-url") + 1] == "https://mirror/simple"
    env = pip.environment(tmp_path)
    assert not [key for key in env if key.startswith("PIP_")]
    assert env["HTTPS_PROXY"] == "http://proxy:3128"
    args = target_args(PY313)
    assert args[:2] == ["--only-binary=:all:", "--python-version"]
    assert args[args.index("--abi") : args.index("--abi") + 2] == ["--abi", "cp313"]
    assert args.count("--platform") == 2


@pytest.mark.parametrize(
    ("output", "summary", "operator"),
    [
        (
            "ERROR: No matching distribution found for leftpad==0.1",
            "no wheel of leftpad==0.1 for Python 3.11",
            False,
        ),
        ("ERROR: ResolutionImpossible: ...", "conflict with each other", False),
        (
            "WARNING: Retrying ... NewConnectionError ... No matching distribution",
            "could not be reached",
            True,
        ),
    ],
)
def test_pip_failures_are_explained(output, summary, operator):
    failure = failure_from_output(output, PY311)
    assert summary in failure.summary
    assert failure.operator is operator


def wheel(name, version="1.0", sha="a" * 64):
    return ResolvedWheel(
        name=name, version=version, filename=f"{name}-{version}-py3-none-any.whl",
        url=f"https://files/{name}.whl", sha256=sha, requested=True,
    )  # fmt: skip


def test_layer_tag_keys_on_image_and_wheel_set():
    both = [wheel("six"), wheel("attrs")]
    assert layer_tag(PY311, both) == layer_tag(PY311, list(reversed(both)))
    assert layer_tag(PY311, both) != layer_tag(PY313, both)
    assert layer_tag(PY311, both) != layer_tag(PY311, [wheel("six"), wheel("attrs", sha="b" * 64)])


def test_install_container_has_no_network_and_sees_only_the_wheels(tmp_path):
    cache = WheelCache(root=tmp_path / "cache")
    cache.wheels.mkdir(parents=True)
    (cache.wheels / "six-1.0-py3-none-any.whl").write_bytes(b"wheel")
    other = cache.wheels / "other-1.0-py3-none-any.whl"
    other.write_bytes(b"other learner's wheel")
    six = wheel("six", sha=sha256_of(cache.wheels / "six-1.0-py3-none-any.whl"))
    folder = stage_wheels(cache, [six], tmp_path / "stage")
    assert sorted(p.name for p in folder.iterdir()) == [
        "requirements.txt",
        "six-1.0-py3-none-any.whl",
    ]
    assert (folder / "requirements.txt").read_text() == f"six==1.0 --hash=sha256:{six.sha256}\n"
    spec = layer_spec("sandbox:3.11.2", SandboxLimits(), folder)
    kwargs = container_kwargs(spec)
    assert kwargs["network_mode"] == "none"
    # The one host path it sees; the other mount is the evaluator's own input volume
    # (the supervisor and its configuration).
    assert [(m["Target"], m["ReadOnly"]) for m in kwargs["mounts"] if m["Type"] == "bind"] == [
        ("/run/capstone-wheels", True)
    ]
    assert [m["Target"] for m in kwargs["mounts"] if m["Type"] == "volume"] == [INPUT]
    assert kwargs["cap_drop"] == ["ALL"]
    assert {"--no-index", "--require-hashes", "--isolated"} <= set(spec.command)
    assert "--index-url" not in spec.command
    # The evaluator's guard reads the wheels first and becomes pip only if it refuses none.
    guard = ["python", "-I", "-S", f"{INPUT}/runtime/wheel_guard.py", "/run/capstone-wheels", "--"]
    assert spec.command[: len(guard)] == guard
    bounded = layer_spec("sandbox:3.11.2", SandboxLimits(), folder, max_unpacked=4096).command
    assert bounded[4:6] == ["--max-unpacked=4096", "/run/capstone-wheels"]


def test_cache_stores_only_matching_hashes(tmp_path):
    cache = WheelCache(root=tmp_path)
    good, bad = tmp_path / "good.whl", tmp_path / "bad.whl"
    good.write_bytes(b"x")
    bad.write_bytes(b"y")
    assert cache.store(good, sha256_of(good))
    assert not cache.store(bad, "0" * 64)
    assert [p.name for p in cache.wheels.iterdir()] == ["good.whl"]
    assert not bad.exists()


def test_cache_keeps_image_descriptions_by_image_id_only(tmp_path):
    cache = WheelCache(root=tmp_path)
    image_id = "sha256:" + "ab" * 32
    assert cache.load_description(image_id) is None
    cache.save_description(image_id, b'{"python": "3.11.2"}')
    assert cache.load_description(image_id) == b'{"python": "3.11.2"}'
    # Anything but an engine's image id names no file (no path is built from it).
    for odd in ("../../etc/passwd", "sha256:../x", "latest"):
        cache.save_description(odd, b"{}")
        assert cache.load_description(odd) is None
    assert [p.name for p in (tmp_path / "images").iterdir()] == [f"{'ab' * 32}.json"]


def test_trixie_mirror_comes_from_the_hosts_own_sources():
    sources = {
        "debian.sources": "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm "
        "bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://security.example/debian-security\n"
        "Suites: bookworm-security\nComponents: main\n"
    }
    assert debian_mirror(sources, "trixie", "bookworm") == "http://mirror.example/debian"
    assert debian_mirror(sources, "trixie") is None


def test_config_reads_install_settings(tmp_path):
    from evaluator.config import load_config

    config = load_config(
        {"CAPSTONE_EVAL_WHEEL_CACHE": str(tmp_path), "CAPSTONE_EVAL_PIP_INDEX_URL": "https://m/simple",
         "HTTPS_PROXY": "http://p:1", "PIP_INDEX_URL": "https://learner-cannot-reach-this"}
    )  # fmt: skip
    assert config.wheel_cache == tmp_path
    assert config.pip_index_url == "https://m/simple"
    assert config.proxy_env == (("HTTPS_PROXY", "http://p:1"),)
    assert EvaluatorConfig().pip_index_url == "https://pypi.org/simple"
    assert Path(EvaluatorConfig().wheel_cache).name == "wheels"
