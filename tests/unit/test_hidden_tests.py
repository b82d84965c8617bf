"""The hidden-tests check: how it runs (pure spec) and how its outcome is read."""

from __future__ import annotations

import json
from pathlib import Path

from evaluator.checks.hidden_tests import (
    HIDDEN,
    RESULTS_NAME,
    hidden_check,
    hidden_spec,
    hidden_tests_root,
    run_hidden_tests,
    stage_hidden_tests,
)
from evaluator.config import SandboxLimits
from evaluator.intake.manifest import Manifest
from evaluator.model.report import Fault, Status
from evaluator.rubrics.loader import find_rubric
from evaluator.sandbox.engine import RunOutcome
from evaluator.sandbox.spec import WORKSPACE, container_kwargs

LIMITS = SandboxLimits()


def outcome(exit_code: int | None, *, timed_out: bool = False) -> RunOutcome:
    return RunOutcome(
        exit_code=exit_code, timed_out=timed_out, oom_killed=False, stdout="", stderr="",
        duration_s=1.5,
    )  # fmt: skip


def test_the_harness_runs_isolated_with_the_tests_mounted_read_only(tmp_path: Path):
    run = stage_hidden_tests("1.1-file-organizer", "python -m organizer", tmp_path)
    spec = hidden_spec("deps:1", run, LIMITS)
    assert spec.command[:4] == ["python", "-I", "-S", f"{HIDDEN}/harness.py"]
    assert spec.env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] == "1"
    assert spec.ro_binds == ((run.stage, HIDDEN),)
    assert spec.network == "none"
    mounts = container_kwargs(spec)["mounts"]
    hidden = next(m for m in mounts if m["Target"] == HIDDEN)
    assert hidden["ReadOnly"] is True
    assert not HIDDEN.startswith(WORKSPACE)
    staged = sorted(p.relative_to(run.stage).as_posix() for p in run.stage.rglob("*.py"))
    assert staged == ["harness.py", "tests/test_contract.py"]
    assert json.loads((run.stage / "input.json").read_text())["cli"] == "python -m organizer"
    assert (run.stage / "tests" / "test_contract.py").stat().st_mode & 0o777 == 0o644


def _results(tmp_path: Path, tests: list[dict[str, str]]) -> Path:
    (tmp_path / RESULTS_NAME).write_text(json.dumps({"exit_code": 1, "tests": tests}))
    return tmp_path


def test_outcomes_become_metrics_and_findings(tmp_path: Path):
    results = _results(
        tmp_path,
        [
            {"name": "test_a", "outcome": "passed", "message": ""},
            {"name": "test_b", "outcome": "failed", "message": "def x\nE   assert 1 == 2\n"},
            {"name": "test_c", "outcome": "error", "message": "fixture broke"},
        ],
    )
    check = hidden_check(outcome(0), results, LIMITS)
    assert check.status is Status.FAIL
    assert check.metrics == {"passed": 1, "failed": 1, "errors": 1, "total": 3}
    assert [f.message for f in check.findings] == ["test_b: assert 1 == 2", "test_c: fixture broke"]
    passing = hidden_check(
        outcome(0), _results(tmp_path, [{"name": "a", "outcome": "passed"}]), LIMITS
    )
    assert passing.status is Status.PASS


def test_a_killed_or_hung_harness_is_the_learners_fault(tmp_path: Path):
    _results(tmp_path, [{"name": "test_a", "outcome": "passed"}])  # a forged file is ignored
    for run in (outcome(137), outcome(None, timed_out=True), outcome(1)):
        check = hidden_check(run, tmp_path, LIMITS)
        assert (check.status, check.fault) == (Status.ERROR, Fault.LEARNER)


def test_a_harness_that_could_not_start_is_the_operators(tmp_path: Path):
    check = hidden_check(outcome(3), tmp_path, LIMITS)
    assert (check.status, check.fault) == (Status.ERROR, Fault.OPERATOR)


def test_a_manifest_without_cli_fails_with_what_to_add(tmp_path: Path):
    check = run_hidden_tests(
        None,  # type: ignore[arg-type]  # never reached: nothing to run
        image="x",
        name="1.1-file-organizer",
        manifest=Manifest(capstone="1.1"),
        workspace=tmp_path,
        scratch=tmp_path,
        limits=LIMITS,
    )
    assert check.status is Status.FAIL
    assert "cli:" in check.summary


def test_rubric_1_1_names_hidden_tests_that_exist():
    rubric = find_rubric("1.1")
    assert rubric.hidden_tests is not None
    assert (hidden_tests_root() / rubric.hidden_tests / "test_contract.py").is_file()
    assert rubric.trust_of(next(c for c in rubric.criteria if c.id == "behaviour")).value == (
        "verified"
    )
