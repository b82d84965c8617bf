"""The tests/coverage decision from a finished run (real files in a results folder)."""

import json

from evaluator.checks.tests import pytest_script, suite_evidence
from evaluator.config import SandboxLimits
from evaluator.intake.manifest import Manifest
from evaluator.model.report import Status
from evaluator.sandbox.engine import RunOutcome

LIMITS = SandboxLimits(wall_s=5)
JUNIT = b"""<testsuites><testsuite time="0.1">
<testcase classname="tests.test_a" name="t1" file="tests/test_a.py" line="0"/>
</testsuite></testsuites>"""


def outcome(**kw):
    base = {
        "exit_code": 0,
        "timed_out": False,
        "oom_killed": False,
        "stdout": "",
        "stderr": "",
        "duration_s": 1.0,
    }
    return RunOutcome(**(base | kw))


def write_results(folder, junit=JUNIT, percent=75.0):
    folder.mkdir(exist_ok=True)
    if junit is not None:
        (folder / "junit.xml").write_bytes(junit)
    if percent is not None:
        cov = {"totals": {"percent_covered": percent, "num_statements": 4}, "files": {}}
        (folder / "coverage.json").write_text(json.dumps(cov))
    return folder


def test_passing_run(tmp_path):
    ev = suite_evidence(outcome(), write_results(tmp_path / "r"), LIMITS, coverage_min=60)
    assert ev.tests.status is Status.PASS
    assert ev.tests.metrics["passed"] == 1
    assert ev.coverage.status is Status.PASS
    assert ev.coverage.metrics["percent"] == 75.0


def test_low_coverage_fails_with_advice(tmp_path):
    ev = suite_evidence(outcome(), write_results(tmp_path / "r", percent=40), LIMITS, 60)
    assert ev.coverage.status is Status.FAIL
    assert "add tests" in ev.coverage.summary


def test_timeout_is_an_error_and_coverage_skipped(tmp_path):
    ev = suite_evidence(outcome(exit_code=None, timed_out=True), tmp_path, LIMITS, 60)
    assert ev.tests.status is Status.ERROR
    assert "timed out after 5 s" in ev.tests.summary
    assert ev.coverage.status is Status.SKIPPED


def test_oom_is_named(tmp_path):
    ev = suite_evidence(outcome(exit_code=137, oom_killed=True), tmp_path, LIMITS, 60)
    assert "memory limit" in ev.tests.summary


def test_pids_exhaustion_is_named(tmp_path):
    run = outcome(
        exit_code=1, stderr="BlockingIOError: [Errno 11] Resource temporarily unavailable"
    )
    ev = suite_evidence(run, tmp_path, LIMITS, 60)
    assert "could not start more processes" in ev.tests.summary


def test_no_tests_collected(tmp_path):
    ev = suite_evidence(outcome(exit_code=5), write_results(tmp_path / "r", junit=None), LIMITS, 60)
    assert ev.tests.status is Status.FAIL
    assert "collected no tests" in ev.tests.summary


def test_missing_junit_is_an_error_with_log(tmp_path):
    run = outcome(exit_code=3, stdout="INTERNALERROR> boom")
    ev = suite_evidence(run, write_results(tmp_path / "r", junit=None), LIMITS, 60)
    assert ev.tests.status is Status.ERROR
    assert "INTERNALERROR" in (ev.tests.log or "")


def test_script_uses_manifest_paths_and_ignores_learner_coverage_config():
    script = pytest_script(Manifest(capstone="1.1", source=["pkg"], tests=["tests/unit"]))
    assert "--source=pkg" in script
    assert "--rcfile=/dev/null" in script
    assert script.count("tests/unit") == 1
    assert "--junitxml=/results/junit.xml" in script
    assert "--source=." in pytest_script(None)
