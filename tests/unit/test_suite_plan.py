"""How the learner's suite is run: the evaluator's ini, rootdir, import mode and coverage."""

from evaluator.checks.pytest_config import LearnerPytestConfig
from evaluator.checks.suite_plan import (
    SuitePlan,
    bootstrap_config,
    find_conftest,
    learner_code,
    plan_suite,
    suite_spec,
)
from evaluator.config import SandboxLimits
from tests.conftest import write_tree

PLAN = SuitePlan(
    config=LearnerPytestConfig(options={"asyncio_mode": "auto"}, pythonpath=("app",)),
    has_conftest=True,
    packages=("pkg", "src/lib"),
    modules=("calc.py",),
)


def test_pytest_runs_with_the_evaluators_settings():
    args = bootstrap_config(PLAN, noconftest=False)["args"]
    assert args[:2] == ["-c", "/capstone-in/runtime/pytest.ini"]
    for arg in ("--rootdir=/workspace", "--confcutdir=/workspace", "--import-mode=append"):
        assert arg in args
    assert args[args.index("-p") + 1] == "no:cacheprovider"
    assert "asyncio_mode=auto" in args
    assert "--noconftest" not in args
    assert args[-1] == "/workspace"
    assert "--noconftest" in bootstrap_config(PLAN, noconftest=True)["args"]


def test_workspace_folders_come_after_everything_else_on_sys_path():
    config = bootstrap_config(PLAN, noconftest=False)
    assert config["paths"] == ["/workspace", "/workspace/src", "/workspace/app"]


def test_coverage_measures_every_learner_package_and_imported_modules():
    coverage = bootstrap_config(PLAN, noconftest=False)["coverage"]
    assert coverage["source"] == ["/workspace/pkg", "/workspace/src/lib", "calc"]
    assert coverage["scripts"] == ["calc.py"]
    assert "*/tests/*" in coverage["omit"]
    assert bootstrap_config(PLAN, noconftest=True)["coverage"] is None


def test_learner_packages_are_discovered_not_taken_from_the_manifest(tmp_path):
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "app/main.py": "",  # a namespace package
            "src/lib/__init__.py": "",
            "src/tool.py": "",
            "tests/test_x.py": "",
            "docs/conf.py": "",
            ".venv/lib/x.py": "",
            "train.py": "",
            "conftest.py": "",
            "test_top.py": "",
            "data/readme.txt": "",
        },
    )
    assert learner_code(tmp_path) == (("app", "pkg", "src/lib"), ("train.py", "src/tool.py"))


def test_conftest_is_found_outside_skipped_folders_only(tmp_path):
    write_tree(tmp_path, {".venv/conftest.py": "", "node_modules/x/conftest.py": "", "a.py": ""})
    assert not find_conftest(tmp_path)
    write_tree(tmp_path, {"tests/deep/conftest.py": ""})
    assert find_conftest(tmp_path)
    assert plan_suite(tmp_path, None).has_conftest


def test_results_come_back_on_the_stream_not_in_files():
    spec = suite_spec("img", PLAN, SandboxLimits())
    assert spec.command == [
        "python",
        "-I",
        "/capstone-in/runtime/pytest_bootstrap.py",
        "/capstone-in/pytest.json",
    ]
    assert spec.result_stream_bytes > 0
    assert spec.volumes == ("/workspace",)
    assert "pytest.json" in spec.inputs
