"""The tests/coverage decision from a finished run's result stream (pure)."""

import json

from evaluator.checks.pytest_config import Filter, LearnerPytestConfig
from evaluator.checks.suite_events import parse_events
from evaluator.checks.suite_integrity import noconftest_findings
from evaluator.checks.suite_plan import SuitePlan
from evaluator.checks.tests import SuiteOutcomes, suite_evidence
from evaluator.config import SandboxLimits
from evaluator.model.report import Fault, Status
from evaluator.sandbox.engine import RunOutcome

LIMITS = SandboxLimits(wall_s=5)
PLAN = SuitePlan(config=LearnerPytestConfig(), has_conftest=False)
COVERAGE = {
    "totals": {"percent_covered": 75.0, "num_statements": 4, "missing_lines": 1},
    "files": {"calc.py": {"summary": {"percent_covered": 75.0}, "missing_lines": [4]}},
}


def report(nodeid, outcome="passed", when="call", **extra):
    path = nodeid.split("::")[0]
    event = {"event": "report", "nodeid": nodeid, "when": when, "outcome": outcome}
    event |= {"duration": 0.01, "location": [path, 3]}
    if outcome == "failed":
        event["failure"] = {"path": path, "line": 7, "message": "assert 1 == 2", "detail": "tb"}
    return event | extra


def passing(nodeid):
    return [report(nodeid, when="setup"), report(nodeid), report(nodeid, when="teardown")]


def stream(*tests, coverage=COVERAGE, finish=0, collected=None, extra=()):
    nodeids = collected if collected is not None else [t[0]["nodeid"] for t in tests]
    events = [
        {
            "event": "collected",
            "tests": [[n, n.split("::")[0], 3] for n in nodeids],
            "removed": [],
            "filtered": [],
        }
    ]
    events += [e for t in tests for e in t] + list(extra)
    if finish is not None:
        events.append({"event": "finish", "exitstatus": finish})
    if coverage is not None:
        events.append({"event": "coverage", "report": coverage})
    return "".join(json.dumps(e) + "\n" for e in events).encode()


def outcome(events=b"", **kw):
    base = {
        "exit_code": 0,
        "timed_out": False,
        "oom_killed": False,
        "stdout": "",
        "stderr": "",
        "duration_s": 1.0,
        "events": events,
    }
    return RunOutcome(**(base | kw))


def evidence(run, plan=PLAN, noconftest=None, **kw):
    return suite_evidence(
        SuiteOutcomes(normal=run, noconftest=noconftest),
        plan=plan,
        limits=LIMITS,
        coverage_min=60,
        **kw,
    )


def test_passing_run():
    ev = evidence(outcome(stream(passing("tests/test_a.py::t1"))))
    assert ev.tests.status is Status.PASS
    assert ev.tests.metrics["passed"] == 1
    assert ev.tests.metrics["collected"] == 1
    assert ev.coverage.status is Status.PASS
    assert ev.coverage.metrics["percent"] == 75.0
    assert ev.integrity == []


def test_failures_are_located_in_the_test_file():
    failing = [report("tests/test_a.py::t2", when="setup"), report("tests/test_a.py::t2", "failed")]
    ev = evidence(outcome(stream(passing("tests/test_a.py::t1"), failing), exit_code=1))
    assert ev.tests.status is Status.FAIL
    assert (ev.tests.metrics["passed"], ev.tests.metrics["failed"]) == (1, 1)
    finding = ev.tests.findings[0]
    assert (finding.path, finding.line, finding.code) == ("tests/test_a.py", 7, "test-failure")
    assert finding.message == "tests/test_a.py::t2: assert 1 == 2"


def test_low_coverage_fails_with_advice():
    low = {**COVERAGE, "totals": {**COVERAGE["totals"], "percent_covered": 40.0}}
    ev = evidence(outcome(stream(passing("tests/test_a.py::t1"), coverage=low)))
    assert ev.coverage.status is Status.FAIL
    assert "add tests" in ev.coverage.summary


def test_coverage_report_of_the_wrong_shape_is_an_error_not_a_crash():
    for bad in ([1, 2], {"totals": "x"}, {"totals": {"percent_covered": 250}}):
        events = stream(passing("tests/test_a.py::t1"), coverage=None)
        events += json.dumps({"event": "coverage", "report": bad}).encode() + b"\n"
        ev = evidence(outcome(events))
        assert ev.coverage.status is Status.ERROR
        assert ev.coverage.fault is Fault.LEARNER


def test_timeout_is_a_learner_error_and_coverage_skipped():
    ev = evidence(outcome(exit_code=None, timed_out=True))
    assert ev.tests.status is Status.ERROR
    assert ev.tests.fault is Fault.LEARNER
    assert "timed out after 5 s" in ev.tests.summary
    assert ev.coverage.status is Status.SKIPPED


def test_oom_pids_and_full_disk_are_named():
    assert "memory limit" in evidence(outcome(exit_code=137, oom_killed=True)).tests.summary
    pids = outcome(
        exit_code=1, stderr="BlockingIOError: [Errno 11] Resource temporarily unavailable"
    )
    assert "could not start more processes" in evidence(pids).tests.summary
    full = outcome(full=("the workspace is full: 512 MiB / 100,000 files limit (out of space)",))
    summary = evidence(full).tests.summary
    assert "the workspace is full: 512 MiB / 100,000 files limit" in summary


def test_no_tests_collected():
    ev = evidence(outcome(stream(collected=[]), exit_code=5))
    assert ev.tests.status is Status.FAIL
    assert "collected no tests" in ev.tests.summary


def test_a_process_that_ends_before_pytest_finishes_is_an_error():
    run = outcome(stream(passing("tests/test_a.py::t1"), finish=None), exit_code=0, stdout="boom")
    ev = evidence(run)
    assert ev.tests.status is Status.ERROR
    assert "ended before pytest finished" in ev.tests.summary
    assert "boom" in (ev.tests.log or "")


def test_tests_that_never_report_are_errors():
    events = stream(
        passing("tests/test_a.py::t1"), collected=["tests/test_a.py::t1", "tests/test_a.py::t2"]
    )
    ev = evidence(outcome(events))
    assert ev.tests.status is Status.FAIL
    assert ev.tests.metrics["errors"] == 1
    assert "never reported" in ev.tests.findings[0].message


def test_a_forged_second_report_is_flagged_and_the_worse_outcome_counts():
    nodeid = "tests/test_a.py::t1"
    forged = [report(nodeid, "failed"), report(nodeid, "passed")]
    ev = evidence(outcome(stream([report(nodeid, when="setup"), *forged]), exit_code=1))
    assert ev.tests.metrics["failed"] == 1
    assert ev.tests.metrics["passed"] == 0
    flagged = [f for f in ev.integrity if f.code == "integrity/result-stream"]
    assert "reported more than once" in flagged[0].message


def test_lines_not_written_by_the_plugin_are_flagged():
    events = stream(passing("tests/test_a.py::t1")) + b"junk\n" + b'["not", "an", "event"]\n'
    ev = evidence(outcome(events))
    flagged = [f for f in ev.integrity if f.code == "integrity/result-stream"]
    assert "2 lines" in flagged[0].message


def test_assertion_free_tests_pass_without_counting():
    events = stream(passing("tests/test_a.py::t1[1]"), passing("tests/test_a.py::t2"))
    ev = evidence(outcome(events), assertion_free=frozenset({"tests/test_a.py::t1"}))
    assert ev.tests.metrics["passed"] == 1
    assert ev.tests.metrics["assertion_free"] == 1
    assert "without asserting anything" in ev.tests.summary


def test_only_assertion_free_tests_do_not_pass_the_check():
    ev = evidence(
        outcome(stream(passing("tests/test_a.py::t1"))),
        assertion_free=frozenset({"tests/test_a.py::t1"}),
    )
    assert ev.tests.status is Status.FAIL


def test_filters_that_leave_tests_out_are_findings_with_their_line():
    spec = Filter(
        kind="keyword",
        values=("not bad",),
        path="pytest.ini",
        line=3,
        setting="addopts: -k 'not bad'",
    )
    plan = SuitePlan(config=LearnerPytestConfig(filters=(spec,)), has_conftest=False)
    collected = {
        "event": "collected",
        "tests": [["tests/t.py::bad", "tests/t.py", 1]],
        "filtered": [{"index": 0, "left_out": ["tests/t.py::bad"]}],
    }
    body = [report("tests/t.py::bad", when="setup"), report("tests/t.py::bad", "failed")]
    events = "".join(
        json.dumps(e) + "\n" for e in [collected, *body, {"event": "finish", "exitstatus": 1}]
    ).encode()
    ev = evidence(outcome(events, exit_code=1), plan=plan)
    (finding,) = [f for f in ev.integrity if f.code == "integrity/filtered-tests"]
    assert (finding.path, finding.line) == ("pytest.ini", 3)
    assert "would leave out 1 of 1 tests (1 of them fail" in finding.message


def test_noconftest_differences():
    def run(**outcomes):
        tests = []
        for name, result in outcomes.items():
            nodeid = f"tests/t.py::{name}"
            tests.append(
                [
                    report(
                        nodeid, when="setup", outcome="failed" if result == "error" else "passed"
                    ),
                    *([report(nodeid, result)] if result != "error" else []),
                ]
            )
        return parse_events(stream(*tests))

    normal = run(same="passed", flipped="passed", hidden_fixture="passed", skipped_fail="skipped")
    bare = run(
        same="passed",
        flipped="failed",
        hidden_fixture="error",
        skipped_fail="failed",
        only_bare="failed",
    )
    found = {f.message.split(" ", 1)[0]: f.message for f in noconftest_findings(normal, bare)}
    assert set(found) == {
        "tests/t.py::flipped",
        "tests/t.py::skipped_fail",
        "tests/t.py::only_bare",
    }
    assert "passed with conftest.py, fails without it" in found["tests/t.py::flipped"]
    assert "did not run with it" in found["tests/t.py::only_bare"]


def test_a_failure_a_hook_turned_into_a_pass_counts_as_failed():
    nodeid = "tests/test_a.py::t1"
    flipped = report(nodeid, "passed", raw="failed", failure={"path": "tests/test_a.py", "line": 9})
    ev = evidence(outcome(stream([report(nodeid, when="setup"), flipped])))
    assert (ev.tests.metrics["passed"], ev.tests.metrics["failed"]) == (0, 1)
    (flagged,) = [f for f in ev.integrity if f.code == "integrity/conftest-hook"]
    assert "turned into passes by a hook" in flagged.message
    assert ev.tests.findings[0].line == 9
