"""The ``hidden-tests`` check: the evaluator's own tests of a capstone's behaviour.

A rubric names a folder of tests under ``rubrics/hidden-tests/``. They run in a
fresh container of the learner's dependency image, never in the workspace: the
tests and the harness are mounted read-only, ``python -I -S`` keeps the
learner's ``PYTHONPATH``, ``sitecustomize`` and ``.pth`` files out of the
harness, pytest loads no conftest and no plugin (``--noconftest``,
``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1``), and the learner's code runs only as a
separate process the tests start (its CLI). The harness makes itself
non-dumpable, keeps outcomes in memory and kills every other process before it
writes the results file; a results file counts only when the harness exited 0.
Learner code cannot write this evidence, so it is ``verified``.
"""

from __future__ import annotations

import json
import shutil
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from evaluator.config import SandboxLimits
from evaluator.intake.manifest import Manifest
from evaluator.model.report import CheckResult, Fault, Finding, Status
from evaluator.paths import bundled
from evaluator.sandbox.engine import DockerEngine, RunOutcome
from evaluator.sandbox.spec import RESULTS, WORKSPACE, RunSpec

CHECK_ID = "hidden-tests"
HIDDEN = "/hidden"
RESULTS_NAME = "hidden-tests.json"
#: The harness exits with this when it could not start (the evaluator's side).
HARNESS_SETUP_FAILED = 3
#: Wall-time bound of the whole hidden run (each CLI call has its own, shorter one).
WALL_S = 300.0
MAX_RESULTS_BYTES = 1024 * 1024


def hidden_tests_root() -> Path:
    """The bundled ``rubrics/hidden-tests`` folder (harness and one folder per capstone)."""
    return bundled("rubrics") / "hidden-tests"


@dataclass(frozen=True, kw_only=True)
class HiddenRun:
    """What one hidden-test run needs: the staged folder and the learner's command."""

    stage: Path
    """Host folder mounted read-only at /hidden (harness.py, tests/, input.json)."""
    cli: str


def stage_hidden_tests(name: str, cli: str, scratch: Path, root: Path | None = None) -> HiddenRun:
    """Copy the harness and the tests of ``name`` into ``scratch``, readable by the sandbox."""
    source = (root or hidden_tests_root()) / name
    stage = scratch / "hidden"
    shutil.copytree(source, stage / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2((root or hidden_tests_root()) / "harness.py", stage / "harness.py")
    document = {"cli": cli, "workspace": WORKSPACE}
    (stage / "input.json").write_text(json.dumps(document), encoding="utf-8")
    for path in [stage, *stage.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return HiddenRun(stage=stage, cli=cli)


def hidden_spec(image: str, run: HiddenRun, limits: SandboxLimits) -> RunSpec:
    """The sandbox run of the hidden tests (pure)."""
    return RunSpec(
        image=image,
        command=[
            *("python", "-I", "-S", f"{HIDDEN}/harness.py"),
            *(f"{HIDDEN}/tests", f"{HIDDEN}/input.json", RESULTS),
        ],
        limits=replace(limits, wall_s=min(limits.wall_s, WALL_S)),
        env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        ro_binds=((run.stage, HIDDEN),),
        purpose=CHECK_ID,
    )


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    errors = [line.removeprefix("E").strip() for line in lines if line.startswith("E ")]
    return (errors[0] if errors else lines[-1] if lines else "")[:300]


def _findings(tests: list[dict[str, Any]]) -> list[Finding]:
    return [
        Finding(
            path="capstone.yaml",
            code=f"hidden-test-{test.get('outcome')}",
            message=f"{test.get('name')}: {_first_line(str(test.get('message', '')))}",
            detail=str(test.get("message", ""))[-2000:] or None,
        )
        for test in tests
        if test.get("outcome") in ("failed", "error")
    ]


def hidden_check(outcome: RunOutcome, results: Path, limits: SandboxLimits) -> CheckResult:
    """Turn a finished hidden-test run into the ``hidden-tests`` check (pure but for reading
    the results file)."""
    log = (outcome.stdout + outcome.stderr)[-4000:]
    reason = outcome.failure_reason(min(limits.wall_s, WALL_S), limits.memory_bytes, limits.pids)
    if reason is not None or outcome.exit_code not in (0, HARNESS_SETUP_FAILED):
        return CheckResult(
            id=CHECK_ID,
            status=Status.ERROR,
            summary=f"the hidden tests did not finish: the run {reason or 'was stopped'} "
            f"(exit code {outcome.exit_code}); your tool must not hang, crash the machine "
            "or stop other processes",
            log=log,
            fault=Fault.LEARNER,
            duration_s=round(outcome.duration_s, 3),
        )
    path = results / RESULTS_NAME
    if outcome.exit_code == HARNESS_SETUP_FAILED or not path.is_file():
        return CheckResult(
            id=CHECK_ID,
            status=Status.ERROR,
            summary="the hidden-test harness could not run; check the sandbox image "
            "(`capstone-eval sandbox setup`)",
            log=log,
            fault=Fault.OPERATOR,
        )
    document = json.loads(path.read_bytes()[:MAX_RESULTS_BYTES] or b"{}")
    tests = [t for t in document.get("tests", []) if isinstance(t, dict)]
    counts = {k: sum(t.get("outcome") == k for t in tests) for k in ("passed", "failed", "error")}
    ok = counts["failed"] == 0 and counts["error"] == 0 and counts["passed"] > 0
    return CheckResult(
        id=CHECK_ID,
        status=Status.PASS if ok else Status.FAIL,
        summary=f"{counts['passed']} of {len(tests)} hidden tests passed"
        + ("" if ok else ": see the failures and the contract in the README"),
        metrics={
            "passed": counts["passed"],
            "failed": counts["failed"],
            "errors": counts["error"],
            "total": len(tests),
        },
        findings=_findings(tests),
        duration_s=round(outcome.duration_s, 3),
    )


def _missing_cli(name: str) -> CheckResult:
    return CheckResult(
        id=CHECK_ID,
        status=Status.FAIL,
        summary="capstone.yaml does not say how to run your tool: add "
        "`cli: <command>` (e.g. `cli: python -m my_package`); the evaluator's tests "
        "append a folder to it",
        metrics={"passed": 0, "failed": 0, "errors": 0, "total": 0},
        details={"tests": name},
        fault=Fault.LEARNER,
    )


def run_hidden_tests(
    engine: DockerEngine,
    *,
    image: str,
    name: str,
    manifest: Manifest | None,
    workspace: Path,
    scratch: Path,
    limits: SandboxLimits,
    cancel: threading.Event | None = None,
) -> CheckResult:
    """Run the hidden tests ``name`` against the learner's CLI; the ``hidden-tests`` check.

    Setting ``cancel`` from another thread stops the run (Ctrl-C in the caller).
    """
    if manifest is None or manifest.cli is None:
        return _missing_cli(name)
    if not (hidden_tests_root() / name).is_dir():
        return CheckResult(
            id=CHECK_ID,
            status=Status.ERROR,
            summary=f"the rubric names hidden tests {name!r}, which this evaluator does not "
            "have; reinstall the evaluator or fix the rubric's hidden_tests",
            fault=Fault.OPERATOR,
        )
    run = stage_hidden_tests(name, manifest.cli, scratch)
    results = scratch / "hidden-results"
    outcome = engine.run(
        hidden_spec(image, run, limits), workspace=workspace, collect_to=results, cancel=cancel
    )
    return hidden_check(outcome, results, limits)
