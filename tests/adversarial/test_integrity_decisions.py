"""Decisions a learner or a broken setup could bend: an unknown capstone id, a manifest that
names another capstone than the operator pinned, and hidden data the operator never imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from evaluator.model.criteria import CriterionStatus, GraduationVerdict
from evaluator.model.report import Fault, Status, Verdict
from tests.adversarial.conftest import check_of, criterion, example_files, integrity_kinds
from tests.conftest import write_tree

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_an_unknown_capstone_is_an_error_not_a_pass(tmp_path):
    files = {
        **example_files(),
        "capstone.yaml": "capstone: 9.9-easy-mode\nsource: [file_organizer]\n",
    }
    write_tree(tmp_path / "repo", files)
    done = subprocess.run(
        [sys.executable, "-m", "evaluator", "evaluate", str(tmp_path / "repo"),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300, check=False, env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "capstone '9.9-easy-mode' is not one this evaluator grades" in done.stderr
    assert "known capstones: 1.1-file-organizer" in done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["verdict"] == "error"
    assert "9.9-easy-mode" in report["error"]


def test_the_operators_pin_wins_over_the_manifest(evaluate_files, honest):
    files = example_files()
    files["capstone.yaml"] = files["capstone.yaml"].replace("1.1-file-organizer", "5.4d-agents")
    report = evaluate_files(files, capstone="1.1")
    assert report.rubric is not None and report.rubric.id == "1.1-file-organizer"
    assert ("capstone-mismatch", "capstone.yaml", 1) in integrity_kinds(report)
    assert check_of(report, "integrity").status is Status.FAIL
    twin = evaluate_files(example_files(), capstone="1.1")
    assert [k for k, _p, _l in integrity_kinds(twin)] == []
    assert twin.decision == honest.decision


def test_missing_hidden_data_is_the_operators_fault_not_the_learners(evaluate_files):
    report = evaluate_files({}, example="mnist-mlp")  # no MNIST imported in this config
    bench = check_of(report, "benchmark")
    assert (bench.status, bench.fault) == (Status.ERROR, Fault.OPERATOR)
    accuracy = criterion(report, "hidden-test-accuracy")
    assert accuracy.status is CriterionStatus.UNDECIDED
    assert "not the learner's fault" in accuracy.reason
    assert "capstone-eval data import" in accuracy.reason
    assert report.verdict is Verdict.ERROR
    assert report.error is not None and "benchmark" in report.error
    assert report.decision is not None
    assert report.decision.verdict is GraduationVerdict.NEEDS_MENTOR
    assert report.decision.failing == []
    # The learner's own criteria keep their grade.
    assert criterion(report, "pure-pytorch").status is CriterionStatus.PASS
    assert criterion(report, "tests-pass").status is CriterionStatus.PASS
