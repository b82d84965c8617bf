"""End-to-end evaluations against the real Docker engine and real git repositories."""

from __future__ import annotations

import dataclasses

import pytest

from evaluator.config import SandboxLimits
from evaluator.intake.source import Source
from evaluator.model.report import Report, Status, Verdict
from evaluator.pipeline import EvaluationRequest, evaluate
from evaluator.sandbox.spec import OWNER_LABEL, process_owner
from tests.conftest import make_git_repo

pytestmark = [pytest.mark.docker, pytest.mark.slow]

MANIFEST = "capstone: 1.1-file-organizer\nsource: [calc]\ntests: [tests]\n"
CALC = "def add(a, b):\n    return a + b\n\n\ndef div(a, b):\n    return a / b\n"
GOOD_TESTS = (
    "from calc import add, div\n\n\n"
    "def test_add():\n    assert add(1, 2) == 3\n\n\n"
    "def test_div():\n    assert div(6, 3) == 2\n"
)


def run_eval(tmp_path, files, config, capstone=None, **limits) -> Report:
    make_git_repo(tmp_path / "origin", files)
    if limits:
        config = dataclasses.replace(config, limits=SandboxLimits(**limits))
    request = EvaluationRequest(
        source=Source(location=f"file://{tmp_path / 'origin'}"), capstone=capstone
    )
    return evaluate(request, config, progress=lambda _msg: None)


def statuses(report: Report) -> dict[str, Status]:
    return {c.id: c.status for c in report.checks}


def check(report: Report, check_id: str):
    found = report.check(check_id)
    assert found is not None, f"no {check_id} check in {statuses(report)}"
    return found


def no_leftover_containers(engine) -> bool:
    mine = f"{OWNER_LABEL}={process_owner()}"
    return not engine.client.containers.list(all=True, filters={"label": mine}, ignore_removed=True)


def test_passing_repository(tmp_path, engine, config):
    files = {"capstone.yaml": MANIFEST, "calc.py": CALC, "tests/test_calc.py": GOOD_TESTS}
    report = run_eval(tmp_path, files, config)
    # Every check passes but 1.1's hidden tests, which need `cli:` in capstone.yaml.
    failing = {k for k, status in statuses(report).items() if status is not Status.PASS}
    assert failing == {"hidden-tests"}, statuses(report)
    assert "cli:" in check(report, "hidden-tests").summary
    assert report.capstone == "1.1-file-organizer"
    assert report.source.commit is not None and len(report.source.commit) == 40
    tests = check(report, "tests")
    assert tests.metrics == {
        "passed": 2,
        "failed": 0,
        "errors": 0,
        "skipped": 0,
        "assertion_free": 0,
        "collected": 2,
        "processes_left_running": 0,
    } | {"duration_s": tests.metrics["duration_s"]}
    assert check(report, "coverage").metrics["percent"] == 100.0
    assert check(report, "lint").metrics["violations"] == 0
    assert set(report.timings.phases) == {
        "engine", "fetch", "scan", "install", "tests", "hidden-tests", "lint", "rubric", "review"
    }  # fmt: skip
    # A two-function module meets few of 1.1's criteria: the rubric says so.
    assert report.rubric is not None and report.rubric.id == "1.1-file-organizer"
    assert report.decision is not None and report.decision.verdict.value == "not-yet"
    assert "twenty-tests" in report.decision.failing
    assert no_leftover_containers(engine)


def test_failing_tests_are_located(tmp_path, engine, config):
    bad = GOOD_TESTS + "\n\ndef test_wrong():\n    assert add(2, 2) == 5\n"
    files = {"capstone.yaml": MANIFEST, "calc.py": CALC, "tests/test_calc.py": bad}
    report = run_eval(tmp_path, files, config)
    assert report.verdict is Verdict.FAIL
    tests = check(report, "tests")
    assert tests.status is Status.FAIL
    assert (tests.metrics["passed"], tests.metrics["failed"]) == (2, 1)
    finding = tests.findings[0]
    assert finding.path == "tests/test_calc.py"
    assert finding.line == 13
    assert "test_wrong" in finding.message


def test_lint_errors_are_findings(tmp_path, engine, config):
    messy = "import os, sys\nimport json\n\n\ndef add(a, b):\n    return a+b\n" + "\n" * 3
    files = {
        "capstone.yaml": MANIFEST,
        "calc.py": messy,
        "tests/test_calc.py": "def test_x():\n    pass\n",
    }
    report = run_eval(tmp_path, files, dataclasses.replace(config, lint_budget=0))
    lint = check(report, "lint")
    assert lint.status is Status.FAIL
    codes = {(f.path, f.code) for f in lint.findings}
    assert ("calc.py", "F401") in codes
    assert ("calc.py", "E401") in codes
    assert lint.metrics["violations"] == len(lint.findings)


def test_no_manifest_still_evaluates_with_capstone_flag(tmp_path, engine, config):
    files = {"calc.py": CALC, "tests/test_calc.py": GOOD_TESTS}
    report = run_eval(tmp_path, files, config, capstone="1.1")
    assert report.capstone == "1.1"
    assert check(report, "manifest").status is Status.FAIL
    assert check(report, "tests").status is Status.PASS
    assert report.verdict is Verdict.FAIL


def test_malformed_manifest_is_a_failed_check(tmp_path, engine, config):
    files = {"capstone.yaml": "capstone: [1.1\n", "calc.py": CALC, "tests/test_calc.py": GOOD_TESTS}
    report = run_eval(tmp_path, files, config)
    manifest = check(report, "manifest")
    assert manifest.status is Status.FAIL
    assert "not valid YAML" in manifest.summary
    assert "capstone:" in manifest.details["example"]
    assert check(report, "tests").status is Status.PASS


def test_infinite_loop_times_out_and_the_container_is_gone(tmp_path, engine, config):
    loop = "def test_forever():\n    while True:\n        pass\n"
    files = {"capstone.yaml": MANIFEST, "calc.py": CALC, "tests/test_loop.py": loop}
    report = run_eval(tmp_path, files, config, wall_s=4)
    tests = check(report, "tests")
    assert tests.status is Status.ERROR
    assert "timed out after 4 s" in tests.summary
    assert tests.metrics["timed_out"] is True
    assert check(report, "coverage").status is Status.SKIPPED
    assert no_leftover_containers(engine)


def test_memory_hog_is_reported_as_oom(tmp_path, engine, config):
    hog = "def test_hog():\n    blocks = []\n    while True:\n        blocks.append(bytearray(50_000_000))\n"
    files = {"capstone.yaml": MANIFEST, "calc.py": CALC, "tests/test_hog.py": hog}
    report = run_eval(tmp_path, files, config, memory_bytes=256 * 1024**2, wall_s=60)
    tests = check(report, "tests")
    assert tests.status is Status.ERROR
    assert "memory limit" in tests.summary


def test_unresolvable_dependency_fails_install_with_pip_output(tmp_path, engine, config):
    files = {
        "capstone.yaml": MANIFEST,
        "requirements.txt": "numpy==1.21.0\n",
        "calc.py": CALC,
        "tests/test_calc.py": GOOD_TESTS,
    }
    report = run_eval(tmp_path, files, config)
    install = check(report, "install")
    assert install.status is Status.FAIL
    assert install.summary.startswith("numpy==1.21.0 (requirements.txt:1) conflicts with the ")
    assert "preinstalled numpy" in install.summary
    assert check(report, "tests").status is Status.SKIPPED


def test_requires_python_the_sandbox_cannot_meet(tmp_path, engine, config):
    pyproject = '[project]\nname = "calc"\nversion = "1"\nrequires-python = ">=3.99"\n'
    files = {"capstone.yaml": MANIFEST, "pyproject.toml": pyproject, "calc.py": CALC}
    report = run_eval(tmp_path, files, config)
    install = check(report, "install")
    assert install.status is Status.FAIL
    assert ">=3.99" in install.summary


HOSTILE_TESTS = """
import os
import socket
from pathlib import Path


def test_runs_as_unprivileged_user():
    assert os.getuid() == 10001


def test_no_network():
    with socket.socket() as s:
        s.settimeout(2)
        try:
            s.connect(("1.1.1.1", 53))
        except OSError:
            return
    raise AssertionError("network reachable")


def test_no_host_secrets_in_environment():
    leaked = [k for k in os.environ if "TOKEN" in k or "KEY" in k or "SECRET" in k]
    assert leaked == []


def test_root_filesystem_is_read_only():
    try:
        Path("/opt/venv/evil").write_text("x")
    except OSError:
        return
    raise AssertionError("root filesystem writable")


def test_outside_link_was_not_copied():
    assert not os.path.lexists("leak")


def test_workspace_and_tmp_are_writable():
    Path("out.txt").write_text("ok")
    Path("/tmp/scratch").write_text("ok")
    assert Path("out.txt").read_text() == Path("/tmp/scratch").read_text() == "ok"
"""


def test_hostile_learner_is_contained(tmp_path, engine, config, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_must_not_leak")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    secret = tmp_path / "host-secret.txt"
    secret.write_text("host only")
    make_git_repo(
        tmp_path / "origin",
        {"capstone.yaml": MANIFEST, "calc.py": CALC, "tests/test_hostile.py": HOSTILE_TESTS},
    )
    (tmp_path / "origin" / "leak").symlink_to(secret)
    request = EvaluationRequest(source=Source(location=str(tmp_path / "origin")))
    report = evaluate(request, config, progress=lambda _m: None)
    tests = check(report, "tests")
    assert tests.status is Status.PASS, [f.message for f in tests.findings]
    assert tests.metrics["passed"] == 6
    workspace = check(report, "workspace")
    assert workspace.status is Status.FAIL
    assert workspace.findings[0].code == "symlink-outside"
    assert "host only" not in report.model_dump_json()


def test_unknown_package_fails_install(tmp_path, engine, config):
    files = {
        "capstone.yaml": MANIFEST,
        "requirements.txt": "capstone-evaluator-no-such-package-4711==1.0\n",
        "calc.py": CALC,
    }
    install = check(run_eval(tmp_path, files, config), "install")
    assert install.status is Status.FAIL
    assert "no wheel of capstone-evaluator-no-such-package-4711==1.0 for Python" in install.summary
    assert "No matching distribution" in (install.log or "")


def test_thread_bomb_hits_the_pids_limit(tmp_path, engine, config):
    bomb = (
        "import threading, time\n\n\n"
        "def test_threads():\n"
        "    threads = []\n"
        "    for _ in range(10_000):\n"
        "        t = threading.Thread(target=time.sleep, args=(30,), daemon=True)\n"
        "        t.start()\n"
        "        threads.append(t)\n"
    )
    files = {"capstone.yaml": MANIFEST, "calc.py": CALC, "tests/test_bomb.py": bomb}
    tests = check(run_eval(tmp_path, files, config, pids=48, wall_s=60), "tests")
    assert tests.status is Status.ERROR
    assert "could not start more processes or threads (limit: 48)" in tests.summary


def test_captured_output_is_capped(tmp_path, engine, config):
    noisy = (
        "def test_noisy():\n    print('x' * 3_000_000)\n    print('THE END')\n    assert False\n"
    )
    files = {"capstone.yaml": MANIFEST, "calc.py": CALC, "tests/test_noisy.py": noisy}
    report = run_eval(tmp_path, files, config, output_bytes=64 * 1024)
    tests = check(report, "tests")
    assert tests.status is Status.FAIL
    assert len(report.model_dump_json()) < 200_000
