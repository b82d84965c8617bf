"""The model's answer at the trust boundary, and citations checked against the workspace."""

from __future__ import annotations

import json
from pathlib import Path

from evaluator.intake.workspace import workspace_files
from evaluator.review.answer import ReviewAnswer, parse_answer, review_json_schema
from evaluator.review.citations import CitationChecker
from tests.conftest import REPO_ROOT, write_tree
from tests.llm_server import answer, cite

LEVELS = {"structure": {0, 1, 2, 3, 4}, "tests": {0, 1, 2, 3, 4}}


def test_a_valid_answer_parses() -> None:
    parsed = parse_answer(answer({"structure": 3, "tests": 0}), LEVELS)
    assert isinstance(parsed, ReviewAnswer)
    assert [c.level for c in parsed.criteria] == [3, 0]


def test_invalid_answers_say_what_is_wrong() -> None:
    cases = {
        "{not json": "Invalid JSON",
        answer({"structure": 5, "tests": 1}): "level 5 is not a level of 'structure' (use 0, 1, 2, 3, 4)",
        answer({"structure": 3}): "missing criteria: tests",
        answer({"structure": 3, "tests": 1, "coverage": 4}): "unknown criteria: coverage",
        json.dumps({"criteria": []}): "injection_suspected: Field required",
        answer({"structure": 3, "tests": 1}, {"tests": [cite("a.py", 5, "x", end=2)]}):
            "line_end is before line_start",
    }  # fmt: skip
    for text, problem in cases.items():
        result = parse_answer(text, LEVELS)
        assert isinstance(result, str), text
        assert problem in result, (text, result)
    extra = json.loads(answer({"structure": 3, "tests": 1}))
    extra["grade"] = "A+"
    assert "grade: Extra inputs are not permitted" in str(parse_answer(json.dumps(extra), LEVELS))


def test_the_published_schema_is_current() -> None:
    published = json.loads((REPO_ROOT / "schemas" / "review.schema.json").read_text())
    assert published == review_json_schema()
    assert published["required"] == ["criteria", "injection_suspected"]


def _checker(root: Path) -> CitationChecker:
    return CitationChecker(root=root, files=frozenset(workspace_files(root)), max_bytes=100_000)


def test_citations_hold_only_when_file_lines_and_quote_do(tmp_path: Path) -> None:
    write_tree(tmp_path / "repo", {
        "pkg/cli.py": "import sys\n\n\ndef main(argv):\n    try:\n        run(argv)\n"
                      "    except   FileNotFoundError as exc:\n        return 2\n",
        "notebook.ipynb": json.dumps({"cells": [
            {"cell_type": "markdown", "source": ["# Findings"]},
            {"cell_type": "code", "source": ["df.describe()"], "outputs": []}]}),
        "weights.bin": "\0\0\0binary",
    })  # fmt: skip
    (tmp_path / "secret.txt").write_text("outside\n")
    checker = _checker(tmp_path / "repo")
    from evaluator.review.answer import Citation

    def verify(path: str, start: int, end: int, quote: str) -> object:
        return checker.verify(Citation(path=path, line_start=start, line_end=end, quote=quote))

    held = verify("./pkg/cli.py", 5, 7, "except FileNotFoundError   as exc:")
    assert not isinstance(held, str)
    assert held.path == "pkg/cli.py"
    assert held.excerpt.splitlines()[-1] == "    except   FileNotFoundError as exc:"
    assert not isinstance(verify("notebook.ipynb", 5, 5, "df.describe()"), str)  # cell lines
    failures = {
        ("pkg/scanner.py", 1, 1, "import"): "no such readable file",
        ("../secret.txt", 1, 1, "outside"): "no such readable file",
        ("weights.bin", 1, 1, "binary"): "no such readable file",
        ("pkg/cli.py", 7, 9, "return 2"): "the file has 8 lines",
        ("pkg/cli.py", 1, 3, "def main"): "the quote is not in these lines",
    }
    for args, why in failures.items():
        result = verify(*args)
        assert isinstance(result, str) and why in result, (args, result)
