"""Run the learner's test suite under coverage, isolated from the workspace (in the sandbox).

The supervisor starts it as the learner:
``python -I /capstone-in/runtime/pytest_bootstrap.py /capstone-in/pytest.json``.

``-I`` ignores PYTHON* variables and the user site, and puts neither the
current folder nor this script's folder on ``sys.path``: a ``sitecustomize.py``,
``coverage/`` or ``pytest.py`` in the workspace is never imported in place of
the real tools. pytest, coverage and the evaluator's plugin are imported first;
only then are the workspace folders appended, after the standard library and
site-packages. pytest runs with the evaluator's ini (``-c``), rootdir and
import mode ``append``; coverage with the evaluator's settings (every learner
file outside the tests, ``pragma: no cover`` not honoured). Results leave
through the result stream (fd 3), never through a file.
"""

from __future__ import annotations

import io
import json
import sys
from typing import Any

EVENTS_FD = 3
RUNTIME = "/capstone-in/runtime"
WORKSPACE = "/workspace"
MAX_FILES = 5000
MAX_MISSING = 200


def relative(name: str) -> str:
    return name[len(WORKSPACE) + 1 :] if name.startswith(WORKSPACE + "/") else name


def _totals(files: dict[str, Any]) -> dict[str, Any]:
    statements = sum(int(f["summary"].get("num_statements", 0)) for f in files.values())
    covered = sum(int(f["summary"].get("covered_lines", 0)) for f in files.values())
    return {
        "num_statements": statements,
        "covered_lines": covered,
        "missing_lines": statements - covered,
        "percent_covered": 100.0 * covered / statements if statements else 100.0,
    }


def coverage_report(cov: Any, scripts: list[str]) -> dict[str, Any]:
    """The parts of coverage's JSON report the evaluator reads (bounded).

    ``scripts`` are top-level module files (relative to the workspace): they count
    only when a test imported them.
    """
    from coverage.exceptions import CoverageException
    from coverage.jsonreport import JsonReporter

    buffer = io.StringIO()
    try:
        JsonReporter(cov).report(None, buffer)
    except CoverageException as exc:
        return {"error": str(exc)[:500]}
    files = {
        name: {
            "summary": entry.get("summary", {}),
            "missing_lines": entry.get("missing_lines", [])[:MAX_MISSING],
        }
        for name, entry in json.loads(buffer.getvalue()).get("files", {}).items()
        if entry.get("executed_lines") or relative(name) not in scripts
    }
    kept = dict(list(files.items())[:MAX_FILES])
    return {"totals": _totals(files), "files": kept}


def start_coverage(settings: dict[str, Any]) -> Any:
    import coverage

    cov = coverage.Coverage(
        data_file=None,
        config_file=False,
        source=settings["source"],
        omit=settings["omit"],
        messages=False,
    )
    # An empty exclusion list: "# pragma: no cover" counts like any other line.
    cov.set_option("report:exclude_lines", [])
    cov.set_option("report:include_namespace_packages", True)
    # Top-level modules are measured when imported; a script no test imports is
    # not library code, and saying so on stderr is noise.
    cov.set_option(
        "run:disable_warnings",
        ["module-not-imported", "no-data-collected", "module-not-measured"],
    )
    cov.start()
    return cov


def load_plugin() -> Any:
    """The evaluator's plugin, loaded from its file: the runtime folder never goes on
    ``sys.path``, where its modules could shadow the learner's."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "capstone_evaluator_pytest_plugin", f"{RUNTIME}/capstone_pytest.py"
    )
    if spec is None or spec.loader is None:
        raise ImportError("the evaluator's pytest plugin is missing")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    import coverage  # noqa: F401 - the real one, before the workspace is importable
    import pytest

    capstone_pytest = load_plugin()
    sys.path.extend(config["paths"])
    stream = capstone_pytest.Stream(EVENTS_FD)
    plugin = capstone_pytest.Plugin(stream, config["filters"])
    cov = start_coverage(config["coverage"]) if config.get("coverage") else None
    try:
        code = int(pytest.main(config["args"], plugins=[plugin]))
    finally:
        if cov is not None:
            cov.stop()
            report = coverage_report(cov, config["coverage"].get("scripts", []))
            stream.send({"event": "coverage", "report": report})
    return code


if __name__ == "__main__":
    sys.exit(main())
