"""Lint findings hidden from the verified lint criterion: suppression comments, ignore files,
and a module moved into a folder ruff skips by default. None of them hides a finding."""

from __future__ import annotations

import pytest

from evaluator.model.criteria import CriterionStatus
from tests.adversarial.conftest import check_of, criterion, example_files, integrity_kinds

pytestmark = [pytest.mark.docker, pytest.mark.slow]

#: Fifteen findings of the evaluator's rule set (F401 unused imports).
MESSY = "".join(f"import {name}\n" for name in (
    "abc", "array", "ast", "base64", "bisect", "calendar", "cmath", "codecs", "colorsys",
    "copy", "csv", "decimal", "difflib", "enum", "fractions",
))  # fmt: skip


def test_noqa_comments_and_ignore_files_hide_nothing(evaluate_files, honest):
    files = example_files()
    files["file_organizer/helpers.py"] = "# ruff: noqa\n# flake8: noqa\n" + MESSY.replace(
        "\n", "  # noqa: F401\n"
    )
    files["file_organizer/extra.py"] = MESSY
    files[".gitignore"] = "file_organizer/extra.py\n"
    files[".ignore"] = "file_organizer/extra.py\n"
    files["ruff.toml"] = 'exclude = ["file_organizer"]\n[lint]\nignore = ["F401"]\n'
    report = evaluate_files(files)
    lint = check_of(report, "lint")
    assert lint.metrics["violations"] == 30
    assert lint.metrics["noqa_directives"] == 17
    assert criterion(report, "lint-budget").status is CriterionStatus.FAIL
    noqa = [line for kind, path, line in integrity_kinds(report) if kind == "noqa"]
    assert noqa[:3] == [1, 2, 3]
    assert check_of(report, "integrity").metrics["noqa"] == 17
    assert criterion(honest, "lint-budget").status is CriterionStatus.PASS


@pytest.mark.parametrize("folder", ["dist", "build", "site-packages"])
def test_a_module_moved_into_a_default_excluded_folder_is_linted(evaluate_files, folder):
    files = example_files()
    files[f"{folder}/file_organizer_helpers.py"] = MESSY
    report = evaluate_files(files)
    found = {f.path for f in check_of(report, "lint").findings}
    assert f"{folder}/file_organizer_helpers.py" in found
    assert criterion(report, "lint-budget").status is CriterionStatus.FAIL
