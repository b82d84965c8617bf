"""Forgeries of the learner's test suite, run through the real sandbox.

Each repository holds one real failing test and a mechanism that hid it from
the old sandbox (which then reported 25 passed and 100% coverage). Now the
failure counts, or the mechanism is flagged; the honest twin keeps its grade.
"""

from __future__ import annotations

import pytest

from evaluator.model.report import Status
from tests.adversarial import sandbox_repos as repos
from tests.adversarial.sandbox_eval import check, codes, evaluate_files, suite_of

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def assert_honest_failure(evidence) -> None:
    """The real failing test is reported, nothing forged is."""
    tests = evidence.tests
    assert tests.status is Status.FAIL, tests.summary
    assert tests.metrics["failed"] >= 1
    assert tests.metrics["passed"] < 25
    assert any(f.path == "tests/test_wrong.py" and f.line == 5 for f in tests.findings)
    assert (
        evidence.coverage.metrics.get("percent", 0) < 100
        or evidence.coverage.metrics["statements"] > 0
    )


def test_honest_twin_keeps_its_grade(tmp_path, engine, config):
    evidence = suite_of(tmp_path / "repo", repos.honest(), engine, config)
    assert evidence.tests.status is Status.PASS
    assert evidence.tests.metrics["passed"] == 2
    assert evidence.tests.metrics["collected"] == 2
    assert evidence.coverage.status is Status.PASS
    assert evidence.coverage.metrics["percent"] == 100.0
    assert evidence.integrity == []


@pytest.mark.parametrize(
    "make",
    [repos.sitecustomize_root, repos.sitecustomize_src, repos.coverage_package],
    ids=["sitecustomize-root", "sitecustomize-src", "coverage-package"],
)
def test_workspace_cannot_replace_the_tools(tmp_path, engine, config, make):
    evidence = suite_of(tmp_path / "repo", make(), engine, config)
    assert_honest_failure(evidence)
    # The real coverage.py measured the real module (and the planted file, never run).
    assert evidence.coverage.details["files"]["calc.py"] == 100.0


def test_filters_do_not_hide_failing_tests(tmp_path, engine, config):
    evidence = suite_of(tmp_path / "repo", repos.filters(), engine, config)
    tests = evidence.tests
    assert tests.status is Status.FAIL
    # Everything ran: the 2 honest tests pass, the 4 hidden ones fail.
    assert (tests.metrics["passed"], tests.metrics["failed"]) == (2, 4)
    flagged = codes(evidence.integrity, "filtered-tests")
    by_file = {(f.path, f.line) for f in flagged}
    assert ("pytest.ini", 3) in by_file  # the addopts line
    assert ("capstone.yaml", 3) in by_file  # the manifest's tests: line
    text = " ".join(f.message for f in flagged)
    for hidden in (
        "test_hidden_by_k",
        "test_deselected",
        "test_marked_slow",
        "tests/test_hidden_file.py::test_wrong",
    ):
        assert hidden in text


@pytest.mark.parametrize(
    "make",
    [repos.writes_results, repos.unconfigure_hook, repos.background_process],
    ids=["test-writes-results", "unconfigure-hook", "background-process"],
)
def test_result_files_written_by_learner_code_are_ignored(tmp_path, engine, config, make):
    evidence = suite_of(tmp_path / "repo", make(), engine, config)
    assert_honest_failure(evidence)


def test_outer_outcome_hook_does_not_reach_the_evaluator(tmp_path, engine, config):
    evidence = suite_of(tmp_path / "repo", repos.outcome_hook_outer(), engine, config)
    # The plugin records pytest's own report before the conftest wrapper rewrites it.
    assert_honest_failure(evidence)


def test_inner_outcome_hook_is_caught_at_run_time(tmp_path, engine, config):
    evidence = suite_of(tmp_path / "repo", repos.outcome_hook_inner(), engine, config)
    # The evaluator's innermost wrapper saw pytest's failure before the hook flipped it.
    assert_honest_failure(evidence)
    (flagged,) = codes(evidence.integrity, "conftest-hook")
    assert (flagged.path, flagged.line) == ("tests/test_wrong.py", 4)
    assert "turned into passes by a hook" in flagged.message


def test_a_hook_that_fabricates_reports_is_flagged_by_the_noconftest_run(tmp_path, engine, config):
    evidence = suite_of(tmp_path / "repo", repos.outcome_hook_replaces(), engine, config)
    diff = codes(evidence.integrity, "noconftest-diff")
    assert [(f.path, f.line) for f in diff] == [("tests/test_wrong.py", 4)]
    assert "passed with conftest.py, fails without it" in diff[0].message


def test_conftest_fixture_missing_without_conftest_is_not_a_diff(tmp_path, engine, config):
    files = {
        **repos.honest(),
        "conftest.py": "import pytest\n\n\n@pytest.fixture\ndef two():\n    return 2\n",
        "tests/test_fixture.py": "def test_uses(two):\n    assert two == 2\n",
    }
    evidence = suite_of(tmp_path / "repo", files, engine, config)
    assert evidence.tests.status is Status.PASS
    assert evidence.tests.metrics["passed"] == 3
    assert codes(evidence.integrity, "noconftest-diff") == []


def test_tests_that_assert_nothing_do_not_count(tmp_path, engine, config):
    hollow = (
        "from calc import add\n\n\n"
        "def test_calls():\n    add(1, 2)\n\n\n"
        "def test_nothing():\n    pass\n"
    )
    files = {**repos.honest(), "tests/test_hollow.py": hollow}
    tests = check(evaluate_files(tmp_path / "repo", files, config), "tests")
    assert tests.status is Status.PASS
    assert (tests.metrics["passed"], tests.metrics["assertion_free"]) == (2, 2)
    assert "2 passed without asserting anything (not counted)" in tests.summary


def test_a_flood_of_long_failures_keeps_the_report_small(tmp_path, engine, config):
    flood = (
        "import pytest\n\n\n"
        "@pytest.mark.parametrize('i', range(300))\n"
        "def test_flood(i):\n    pytest.fail('x' * 20_000)\n"
    )
    report = evaluate_files(
        tmp_path / "repo", {**repos.honest(), "tests/test_flood.py": flood}, config
    )
    tests = check(report, "tests")
    assert (tests.metrics["passed"], tests.metrics["failed"]) == (2, 300)
    # Every message and traceback is capped, and so is the number of located failures.
    assert len(report.model_dump_json()) < 2_000_000


def test_xfail_and_skip_are_pytests_own_and_not_flagged(tmp_path, engine, config):
    marked = (
        "import pytest\n\n\n"
        "@pytest.mark.xfail(reason='division by zero is not handled yet')\n"
        "def test_known_bug():\n    assert 1 / 0\n\n\n"
        "@pytest.mark.skip(reason='needs a GPU')\n"
        "def test_gpu():\n    assert False\n"
    )
    evidence = suite_of(
        tmp_path / "repo", {**repos.honest(), "tests/test_marked.py": marked}, engine, config
    )
    assert evidence.tests.status is Status.PASS
    assert (evidence.tests.metrics["passed"], evidence.tests.metrics["skipped"]) == (2, 2)
    assert evidence.integrity == []
