"""Figures for issue 8's integrity work (prints them; asserts nothing).

    .venv/bin/python scripts/bench_integrity.py [--repeat 5] [--skip-cheats]

- each cheat of tests/adversarial/test_integrity_*.py, evaluated for real: the status of
  the criterion it targets and the integrity findings it raises;
- what the static scan and the hidden tests add to a warm ``evaluate`` of the bundled
  example (median of the pipeline's own phase timings).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluator.config import load_config  # noqa: E402 - after the repository root is importable
from evaluator.errors import EvaluatorError  # noqa: E402
from evaluator.intake.source import Source  # noqa: E402
from evaluator.model.report import Report  # noqa: E402
from evaluator.pipeline import EvaluationRequest, evaluate  # noqa: E402
from evaluator.sandbox.engine import DockerEngine  # noqa: E402
from tests import nanogpt  # noqa: E402
from tests.adversarial import (  # noqa: E402
    test_integrity_lint,
    test_integrity_presence,
    test_integrity_suite,
)
from tests.adversarial.conftest import example_files  # noqa: E402
from tests.adversarial.test_integrity_presence import dodged  # noqa: E402
from tests.conftest import write_tree  # noqa: E402

Files = dict[str, str]


def _xfail() -> Files:
    return {**example_files(), "tests/test_hidden_failure.py": test_integrity_suite.XFAILED}


def _padded() -> Files:
    kept = {k: v for k, v in example_files().items() if not k.startswith("tests/test_")}
    return {**kept, "tests/test_padding.py": test_integrity_suite._padded_suite()}


def _pragma() -> Files:
    files = example_files()
    files["file_organizer/organizer.py"] += test_integrity_suite.UNTESTED
    return files


def _noqa() -> Files:
    messy = test_integrity_lint.MESSY
    return {
        **example_files(),
        "file_organizer/helpers.py": "# ruff: noqa\n" + messy.replace("\n", "  # noqa: F401\n"),
    }


def _dist() -> Files:
    return {**example_files(), "dist/file_organizer_helpers.py": test_integrity_lint.MESSY}


def _comment_only() -> Files:
    kept = {k: v for k, v in example_files().items() if not k.startswith("tests/")}
    return {
        **kept,
        "file_organizer/cli.py": test_integrity_presence.SILENT_CLI,
        "file_organizer/organizer.py": test_integrity_presence.SILENT_ORGANIZER,
    }


def _unknown() -> Files:
    files = example_files()
    files["capstone.yaml"] = files["capstone.yaml"].replace("1.1-file-organizer", "9.9-easy-mode")
    return files


def _mnist() -> Files:
    return {}  # the bundled example as it is; the evaluator has no MNIST imported


def _mismatch() -> Files:
    files = example_files()
    files["capstone.yaml"] = files["capstone.yaml"].replace("1.1-file-organizer", "5.4d-agents")
    return files


#: name, files, pinned capstone, criteria to show, bundled example the files go over.
CHEATS: list[tuple[str, Callable[[], Files], str | None, tuple[str, ...], str | None]] = [
    ("xfail hides a failing test", _xfail, None, ("tests-pass",), None),
    ("20 assertion-free tests", _padded, None, ("twenty-tests",), None),
    ("pragma: no cover", _pragma, None, ("coverage",), None),
    ("noqa hides 15 findings", _noqa, None, ("lint-budget",), None),
    ("module moved into dist/", _dist, None, ("lint-budget",), None),
    ("logging/except only in text", _comment_only, None, ("logging", "error-handling"), None),
    ("nanoGPT (honest, from_pretrained)", nanogpt.repository, None, ("decoder-implemented",), None),
    ("importlib dodge on 4.1", dodged, None, ("decoder-implemented",), None),
    ("unknown capstone id", _unknown, None, (), None),
    ("manifest names another capstone", _mismatch, "1.1", (), None),
    ("MNIST data not imported (operator)", _mnist, None, ("hidden-test-accuracy",), "mnist-mlp"),
]


def _evaluate(
    engine: DockerEngine, files: Files, capstone: str | None, data: Path, example: str | None
) -> Report:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        if example is not None:
            shutil.copytree(ROOT / "examples" / example, repo)
        write_tree(repo, files)
        config = replace(load_config(os.environ), data_dir=data)
        request = EvaluationRequest(source=Source(location=str(repo)), capstone=capstone)
        return evaluate(request, config, progress=lambda _m: None, engine=engine)


def cheats(engine: DockerEngine) -> None:
    """One line per cheat: the targeted criteria and the integrity findings."""
    print(f"{'cheat':36} {'criteria':30} {'verdict':16} integrity findings")
    with tempfile.TemporaryDirectory() as data:
        for name, make, capstone, ids, example in CHEATS:
            try:
                report = _evaluate(engine, make(), capstone, Path(data), example)
            except EvaluatorError as exc:
                print(f"{name:36} error (exit {exc.exit_code}): {exc.message[:60]}")
                continue
            shown = ", ".join(
                f"{c.id}={c.status.value}" for c in report.criteria if c.id in ids
            ) or (report.rubric.id if report.rubric else "-")
            integrity = report.check("integrity")
            kinds = integrity.metrics if integrity is not None else {}
            flags = {k: v for k, v in kinds.items() if k not in {"flags", "informational"}}
            verdict = report.decision.verdict.value if report.decision else report.verdict.value
            print(f"{name:36} {shown:30} {verdict:16} {flags or 'none'}")


def phases(engine: DockerEngine, repeat: int) -> None:
    """Median phase timings of a warm evaluate of the bundled example."""
    example = ROOT / "examples" / "file-organizer"
    config = load_config(os.environ)
    runs: list[Report] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "file-organizer"
        shutil.copytree(example, work, ignore=shutil.ignore_patterns("__pycache__"))
        request = EvaluationRequest(source=Source(location=str(work)))
        evaluate(request, config, progress=lambda _m: None, engine=engine)  # warm the layer
        runs = [
            evaluate(request, config, progress=lambda _m: None, engine=engine)
            for _ in range(repeat)
        ]
    names = ["scan", "tests", "hidden-tests", "lint", "rubric"]
    print(f"\nwarm evaluate of examples/file-organizer, median of {repeat}:")
    print(f"  total          {statistics.median(r.timings.total_s for r in runs):7.3f} s")
    for name in names:
        values = [r.timings.phases.get(name, 0.0) for r in runs]
        print(f"  {name:14} {statistics.median(values):7.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-cheats", action="store_true")
    args = parser.parse_args()
    engine = DockerEngine.connect(load_config(os.environ).docker_host)
    if not args.skip_cheats:
        cheats(engine)
    phases(engine, args.repeat)


if __name__ == "__main__":
    main()
