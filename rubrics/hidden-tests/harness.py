"""Run a capstone's hidden tests against the learner's code, from a process it cannot touch.

Runs inside the sandbox as ``python -I -S harness.py TESTS INPUT RESULTS``. The
learner's code never runs in this process: the tests start it as a separate
process (its CLI), and this process is made non-dumpable first, so a learner
process of the same user cannot read or write its memory, its file descriptors
or its environment, nor trace it. ``-I -S`` keep the learner's ``PYTHONPATH``,
``sitecustomize`` and ``.pth`` files out; pytest loads no conftest and no
plugin. Outcomes are collected in memory; once pytest is done, every other
process in the container is killed and only then is the results file written,
so nothing the learner left running can rewrite it. Exit 0 means the results
file is the harness's own; 3 means the harness itself could not run.
"""

import contextlib
import ctypes
import json
import os
import shutil
import signal
import sys
import time

PR_SET_DUMPABLE = 4
RESULTS_NAME = "hidden-tests.json"
SETUP_FAILED = 3
MAX_MESSAGE = 2000


def no_dumping() -> None:
    """Make this process non-dumpable: /proc/<pid>/mem, fd and environ become root's."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


#: The evaluator's runtime helpers, in every sandbox run (``evaluator.sandbox.spec.RUNTIME``).
RUNTIME_DIR = "/capstone-in/runtime"


def use_site_packages() -> None:
    """The stack's site folders on sys.path (Debian's too), without running any .pth file."""
    sys.path.insert(0, RUNTIME_DIR)
    try:
        from sitedirs import use_site_dirs
    finally:
        sys.path.remove(RUNTIME_DIR)
    use_site_dirs()


class Collector:
    """A pytest plugin object that keeps each test's outcome in this process's memory."""

    def __init__(self) -> None:
        self.tests: dict[str, dict[str, str]] = {}

    def pytest_runtest_logreport(self, report) -> None:
        name = report.nodeid.split("::", 1)[-1]
        entry = self.tests.setdefault(name, {"name": name, "outcome": "passed", "message": ""})
        if report.when == "call" or report.outcome != "passed":
            outcome = "error" if report.when != "call" and report.failed else report.outcome
            if entry["outcome"] == "passed":
                entry["outcome"] = outcome
                entry["message"] = str(report.longreprtext or "")[-MAX_MESSAGE:]

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.tests[report.nodeid] = {
                "name": report.nodeid,
                "outcome": "error",
                "message": str(report.longreprtext or "")[-MAX_MESSAGE:],
            }


def kill_the_rest() -> None:
    """SIGKILL every other process this user may signal (not init), until none is left."""
    me = os.getpid()
    for _ in range(50):
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
        while True:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
        alive = [p for p in others if _state(p) not in ("Z", "X", "")]
        if not alive:
            return
        time.sleep(0.02)


def _state(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return ""


def write_results(folder: str, document: dict[str, object]) -> None:
    """Replace whatever is at the results path with this process's own file."""
    path = os.path.join(folder, RESULTS_NAME)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle)


def main(tests: str, inputs: str, results: str) -> int:
    try:
        no_dumping()
        use_site_packages()
        import pytest
    except (OSError, ImportError) as exc:
        print(f"hidden-test harness could not start: {exc}", file=sys.stderr)
        return SETUP_FAILED
    os.environ["CAPSTONE_HIDDEN_INPUT"] = inputs
    collector = Collector()
    args = [
        "-p", "no:cacheprovider", "--noconftest", "--import-mode=importlib",
        "-c", os.path.join(tests, "pytest.ini"), "--rootdir", tests,
        "--basetemp", f"/tmp/hidden-{os.getpid()}", "-q", "-rN", tests,
    ]  # fmt: skip
    code = pytest.main(args, plugins=[collector])
    kill_the_rest()
    write_results(results, {"exit_code": int(code), "tests": list(collector.tests.values())})
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
