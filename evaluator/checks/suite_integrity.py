"""Integrity findings from the test runs themselves (pure).

- ``integrity/filtered-tests``: a learner filter (addopts ``-k``/``-m``/
  ``--deselect``/paths, ``testpaths``, the manifest's ``tests:``) that would
  have left tests out, or tests a hook removed during collection;
- ``integrity/noconftest-diff``: tests whose outcome changes when conftest.py
  files are not loaded (a test that merely errors for a missing conftest
  fixture does not count);
- ``integrity/result-stream``: the evaluator's result channel carried lines or
  reports its plugin did not write (forged, or a plugin that re-runs tests);
- ``integrity/conftest-hook``: a hook turned a test pytest failed into a pass at
  run time (it counts as failed).
"""

from __future__ import annotations

from evaluator.checks.pytest_config import Filter
from evaluator.checks.suite_events import SuiteRun
from evaluator.model.report import Finding

SHOWN = 5
_FAILING = {"failed", "error"}


def _ids(nodeids: list[str]) -> str:
    shown = ", ".join(nodeids[:SHOWN])
    return shown + (f" and {len(nodeids) - SHOWN} more" if len(nodeids) > SHOWN else "")


def filter_findings(run: SuiteRun, filters: tuple[Filter, ...]) -> list[Finding]:
    """One finding per learner filter that would have left tests out."""
    findings = []
    total = len(run.collected)
    for index, spec in enumerate(filters):
        left = run.filtered.get(index, [])
        if not left:
            continue
        failing = [n for n in left if n in run.tests and run.tests[n].outcome in _FAILING]
        fail_note = f" ({len(failing)} of them fail: {_ids(failing)})" if failing else ""
        findings.append(
            Finding(
                path=spec.path,
                line=spec.line,
                code="integrity/filtered-tests",
                message=f"{spec.setting} would leave out {len(left)} of {total} tests"
                f"{fail_note}; the evaluator ran them all: {_ids(left)}",
            )
        )
    removed = list(dict.fromkeys([*run.removed, *run.deselected]))
    if removed:
        path, line = run.location(removed[0])
        findings.append(
            Finding(
                path=path,
                line=line,
                code="integrity/filtered-tests",
                message=f"{len(removed)} collected tests were removed during collection by a "
                f"hook (conftest.py or a plugin), not by the evaluator: {_ids(removed)}",
            )
        )
    return findings


def stream_findings(run: SuiteRun) -> list[Finding]:
    """Reports the evaluator's plugin did not write, wrote twice, or saw rewritten."""
    findings = []
    if run.rewritten:
        path, line = run.location(run.rewritten[0])
        findings.append(
            Finding(
                path=path,
                line=line,
                code="integrity/conftest-hook",
                message=f"{len(run.rewritten)} tests pytest failed were turned into passes by "
                f"a hook at run time (they count as failed): {_ids(run.rewritten)}",
            )
        )
    if run.duplicates:
        nodeid = run.duplicates[0].split(" ", 1)[0]
        path, line = run.location(nodeid)
        findings.append(
            Finding(
                path=path,
                line=line,
                code="integrity/result-stream",
                message=f"{len(run.duplicates)} results were reported more than once (the "
                f"worse outcome counts): {_ids(run.duplicates)}",
            )
        )
    if run.unreadable:
        findings.append(
            Finding(
                path=".",
                code="integrity/result-stream",
                message=f"{run.unreadable} lines on the evaluator's result channel were not "
                "written by its pytest plugin: code in the test process wrote to it",
            )
        )
    return findings


def _changed(normal: str | None, bare: str) -> str | None:
    if bare == "failed" and normal is None:
        return "fails without conftest.py and did not run with it"
    if bare == "failed" and normal in ("passed", "skipped", "xfailed"):
        return f"{normal} with conftest.py, fails without it"
    if bare == "passed" and normal == "failed":
        return "fails with conftest.py, passes without it"
    return None


def noconftest_findings(normal: SuiteRun, bare: SuiteRun) -> list[Finding]:
    """Tests whose outcome changes when conftest.py is not loaded."""
    findings = []
    for nodeid, test in bare.tests.items():
        before = normal.tests.get(nodeid)
        change = _changed(before.outcome if before else None, test.outcome)
        if change is None:
            continue
        path, line = normal.location(nodeid) if before else (test.path, test.line)
        findings.append(
            Finding(
                path=path,
                line=line,
                code="integrity/noconftest-diff",
                message=f"{nodeid} {change}: a conftest.py hook or fixture changes its outcome",
            )
        )
    return findings
