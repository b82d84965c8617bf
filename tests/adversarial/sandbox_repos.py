"""Hostile repositories against the sandbox and the test-suite run, made by code.

Each function returns ``{path: text}`` for a small capstone repository: the
honest twin passes; each cheat has one real failing test (or a hostile test)
and a mechanism that tried to hide it on the old sandbox. Used by
``tests/adversarial/test_sandbox_*.py`` and ``scripts/bench_sandbox.py``.
"""

from __future__ import annotations

import json
import textwrap

MANIFEST = "capstone: 1.1-file-organizer\nsource: [calc]\ntests: [tests]\n"
CALC = "def add(a, b):\n    return a + b\n\n\ndef div(a, b):\n    return a / b\n"
HONEST_TESTS = (
    "from calc import add, div\n\n\n"
    "def test_add():\n    assert add(1, 2) == 3\n\n\n"
    "def test_div():\n    assert div(6, 3) == 2\n"
)
FAILING_TEST = "from calc import add\n\n\ndef test_wrong():\n    assert add(2, 2) == 5\n"

#: What a forger writes where the old sandbox read its results: 25 passing tests,
#: 100% coverage.
FORGED_JUNIT = (
    '<?xml version="1.0"?><testsuites><testsuite name="pytest" tests="25" time="0.1">'
    + "".join(
        f'<testcase classname="tests.test_calc" name="test_{i}" file="tests/test_calc.py" '
        'line="1" time="0.001"/>'
        for i in range(25)
    )
    + "</testsuite></testsuites>"
)
FORGED_COVERAGE = json.dumps(
    {
        "totals": {"percent_covered": 100.0, "num_statements": 4, "missing_lines": 0},
        "files": {"/workspace/calc.py": {"summary": {"percent_covered": 100.0}}},
    }
)


def _dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def honest() -> dict[str, str]:
    """The twin every cheat is compared with: two passing tests, nothing hidden."""
    return {"capstone.yaml": MANIFEST, "calc.py": CALC, "tests/test_calc.py": HONEST_TESTS}


def _with_failure(**extra: str) -> dict[str, str]:
    return {**honest(), "tests/test_wrong.py": FAILING_TEST, **extra}


_FORGE_AND_EXIT = _dedent(
    f"""
    # Runs at interpreter start-up when this folder is on sys.path: writes the
    # results the old sandbox read, then ends the process before any test runs.
    import os
    os.makedirs("/results", exist_ok=True)
    with open("/results/junit.xml", "w") as out:
        out.write({FORGED_JUNIT!r})
    with open("/results/coverage.json", "w") as out:
        out.write({FORGED_COVERAGE!r})
    os._exit(0)
    """
)


def sitecustomize_root() -> dict[str, str]:
    """sitecustomize.py at the repository root replaces pytest and coverage."""
    return _with_failure(**{"sitecustomize.py": _FORGE_AND_EXIT})


def sitecustomize_src() -> dict[str, str]:
    """The same in src/ (on the old PYTHONPATH too)."""
    return _with_failure(**{"src/sitecustomize.py": _FORGE_AND_EXIT})


def coverage_package() -> dict[str, str]:
    """A ``coverage/`` package that shadows coverage.py and forges both reports."""
    return _with_failure(
        **{
            "coverage/__init__.py": "",
            "coverage/__main__.py": _FORGE_AND_EXIT,
        }
    )


def filters() -> dict[str, str]:
    """Failing tests hidden by addopts -k, --deselect, -m and by the manifest's tests: list."""
    ini = _dedent(
        """
        [pytest]
        markers = slow: long tests
        addopts = -k "not hidden_by_k" --deselect tests/test_more.py::test_deselected -m "not slow"
        """
    )
    more = _dedent(
        """
        import pytest
        from calc import add


        def test_hidden_by_k():
            assert add(1, 1) == 3


        def test_deselected():
            assert add(1, 1) == 4


        @pytest.mark.slow
        def test_marked_slow():
            assert add(1, 1) == 5
        """
    )
    return {
        **honest(),
        "capstone.yaml": MANIFEST.replace(
            "tests: [tests]", "tests: [tests/test_calc.py, tests/test_more.py]"
        ),
        "pytest.ini": ini,
        "tests/test_more.py": more,
        "tests/test_hidden_file.py": FAILING_TEST,
    }


def writes_results() -> dict[str, str]:
    """A test writes forged /results files and makes them read-only."""
    test = _dedent(
        f"""
        import os


        def test_forge_results():
            for name, text in (("junit.xml", {FORGED_JUNIT!r}), ("coverage.json", {FORGED_COVERAGE!r})):
                path = os.path.join("/results", name)
                try:
                    with open(path, "w") as out:
                        out.write(text)
                    os.chmod(path, 0o444)
                except OSError:
                    pass
        """
    )
    return _with_failure(**{"tests/test_forge.py": test})


def unconfigure_hook() -> dict[str, str]:
    """A pytest_unconfigure hook rewrites junit.xml after pytest wrote it."""
    conftest = _dedent(
        f"""
        def pytest_unconfigure(config):
            for name, text in (("junit.xml", {FORGED_JUNIT!r}), ("coverage.json", {FORGED_COVERAGE!r})):
                try:
                    with open("/results/" + name, "w") as out:
                        out.write(text)
                except OSError:
                    pass
        """
    )
    return _with_failure(**{"conftest.py": conftest})


def _outcome_hook(options: str) -> dict[str, str]:
    conftest = _dedent(
        f"""
        import pytest


        @pytest.hookimpl({options})
        def pytest_runtest_makereport(item, call):
            outcome = yield
            report = outcome.get_result()
            if report.failed:
                report.outcome = "passed"
                report.longrepr = None
        """
    )
    return _with_failure(**{"conftest.py": conftest})


def outcome_hook_outer() -> dict[str, str]:
    """The classic conftest hookwrapper that turns failures into passes."""
    return _outcome_hook("hookwrapper=True")


def outcome_hook_inner() -> dict[str, str]:
    """The same rewrite made innermost (trylast), before any other wrapper sees the report."""
    return _outcome_hook("hookwrapper=True, trylast=True")


def outcome_hook_replaces() -> dict[str, str]:
    """A conftest hook that makes every report itself: pytest's own never exists."""
    conftest = _dedent(
        """
        import pytest
        from _pytest.reports import TestReport


        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_makereport(item, call):
            keywords = {name: 1 for name in item.keywords}
            return TestReport(
                item.nodeid, item.location, keywords, "passed", None, call.when, (), call.duration
            )
        """
    )
    return _with_failure(**{"conftest.py": conftest})


def fills_disk(total_bytes: int = 2 * 1024**3, files: int = 300_000) -> dict[str, str]:
    """A test that writes ``total_bytes`` and ``files`` files into the workspace."""
    test = _dedent(
        f"""
        import os


        def test_fill():
            chunk = b"x" * (1 << 20)
            try:
                with open("big.bin", "wb") as out:
                    for _ in range({total_bytes} // len(chunk)):
                        out.write(chunk)
            except OSError:
                pass
            os.makedirs("many", exist_ok=True)
            try:
                for i in range({files}):
                    open(os.path.join("many", str(i)), "w").close()
            except OSError:
                pass
        """
    )
    return {**honest(), "tests/test_fill.py": test}


def writes_some(megabytes: int = 8) -> dict[str, str]:
    """The honest twin of :func:`fills_disk`: a test that writes a few MiB and files."""
    test = _dedent(
        f"""
        import os


        def test_writes():
            with open("data.bin", "wb") as out:
                out.write(b"x" * ({megabytes} << 20))
            os.makedirs("out", exist_ok=True)
            for i in range(100):
                open(os.path.join("out", str(i)), "w").close()
            assert os.path.getsize("data.bin") == {megabytes} << 20
        """
    )
    return {**honest(), "tests/test_writes.py": test}


def loops_forever() -> dict[str, str]:
    """A test that never ends (the wall-time limit must stop it)."""
    test = "def test_forever():\n    while True:\n        pass\n"
    return {**honest(), "tests/test_forever.py": test}


def attacks_supervisor() -> dict[str, str]:
    """A test that tries to stop and kill the sandbox's PID 1, then waits forever."""
    test = _dedent(
        """
        import os
        import signal
        import time


        def test_attack():
            for sig in (signal.SIGSTOP, signal.SIGKILL, signal.SIGTERM):
                for target in (1, -1):
                    try:
                        os.kill(target, sig)
                    except OSError:
                        pass
            while True:
                time.sleep(0.1)
        """
    )
    return {**honest(), "tests/test_attack.py": test}


def background_process() -> dict[str, str]:
    """A test leaves a process running that keeps rewriting results after the run."""
    test = _dedent(
        f"""
        import os
        import subprocess
        import sys

        FORGER = '''
        import os, time
        while True:
            for name, text in (("junit.xml", {FORGED_JUNIT!r}), ("coverage.json", {FORGED_COVERAGE!r})):
                try:
                    with open("/results/" + name, "w") as out:
                        out.write(text)
                except OSError:
                    pass
            time.sleep(0.01)
        '''


        def test_leaves_a_process():
            subprocess.Popen(
                [sys.executable, "-c", FORGER],
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        """
    )
    return _with_failure(**{"tests/test_background.py": test})
