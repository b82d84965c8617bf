"""The evaluator's hidden tests, attacked by the code they test: a CLI that forges the results
file, kills the harness, or leaves a process behind to rewrite the results. None of them
gets a passing hidden-tests check; an organizer that is not recursive fails on behaviour."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evaluator.checks.hidden_tests import run_hidden_tests
from evaluator.config import load_config
from evaluator.intake.manifest import Manifest
from evaluator.model.report import CheckResult, Status
from evaluator.sandbox.engine import DockerEngine
from tests.adversarial.conftest import example_files
from tests.conftest import write_tree

pytestmark = [pytest.mark.docker, pytest.mark.slow]

FORGED = (
    '{"exit_code": 0, "tests": ['
    + ", ".join(f'{{"name": "test_{n}", "outcome": "passed", "message": ""}}' for n in range(8))
    + "]}"
)

#: Writes a passing results file, keeps a child rewriting it, then kills the harness.
KILLER = f"""
import os, sys, time
FORGED = {FORGED!r}
def forge():
    for folder in ("/results", "/tmp"):
        try:
            with open(os.path.join(folder, "hidden-tests.json"), "w") as handle:
                handle.write(FORGED)
        except OSError:
            pass
forge()
for pid in (os.getppid(), 1):
    for target in ("/proc/%d/fd/1" % pid, "/proc/%d/fd/2" % pid):
        try:
            with open(target, "w") as handle:
                handle.write(FORGED)
        except OSError:
            pass
if os.fork() == 0:
    os.setsid()
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)  # let the harness's pipes close: only the results file matters
    for _ in range(600):
        forge()
        time.sleep(0.05)
    os._exit(0)
harness = int(open("/proc/%d/stat" % os.getppid()).read().split()[3])
{{KILL}}
sys.exit(0)
"""


def _run(engine: DockerEngine, tmp_path: Path, files: dict[str, str], cli: str) -> CheckResult:
    write_tree(tmp_path / "workspace", files)
    config = load_config(os.environ)
    return run_hidden_tests(
        engine,
        image=config.sandbox_image,
        name="1.1-file-organizer",
        manifest=Manifest(capstone="1.1", cli=cli),
        workspace=tmp_path / "workspace",
        scratch=tmp_path,
        limits=config.limits,
    )


@pytest.mark.parametrize(
    ("kill", "expected"),
    [
        ("os.kill(harness, 9)", Status.ERROR),  # the harness dies: its results never come
        ("pass", Status.FAIL),  # it lives: its own results replace the forged file
    ],
)
def test_a_cli_that_forges_the_results_never_passes(engine, tmp_path, kill, expected):
    files = {"forge.py": KILLER.replace("{KILL}", kill)}
    check = _run(engine, tmp_path, files, "python forge.py")
    assert check.status is expected, check.summary
    assert check.metrics.get("passed", 0) < 8
    if expected is Status.FAIL:
        assert check.metrics["total"] == 8


def test_an_organizer_that_is_not_recursive_fails_on_behaviour(engine, tmp_path):
    files = example_files()
    files["file_organizer/organizer.py"] = files["file_organizer/organizer.py"].replace(
        'for entry in sorted(folder.rglob("*")):', 'for entry in sorted(folder.glob("*")):'
    )
    check = _run(engine, tmp_path, files, "python -m file_organizer --verbose")
    assert check.status is Status.FAIL
    failed = {f.message.split(":")[0] for f in check.findings}
    assert "test_nested_folders_are_read_recursively" in failed
    assert "test_files_are_grouped_by_type" not in failed


def test_the_bundled_example_meets_the_contract(engine, tmp_path):
    check = _run(engine, tmp_path, example_files(), "python -m file_organizer --verbose")
    assert check.status is Status.PASS, [f.message for f in check.findings]
    assert check.metrics == {"passed": 8, "failed": 0, "errors": 0, "total": 8}
