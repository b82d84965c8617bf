import json
from pathlib import Path

from evaluator.checks.coverage_json import parse_coverage_json
from evaluator.checks.lint import lint_check, parse_ruff_json, ruff_argv
from evaluator.model.report import Finding, Status


def test_coverage_json_paths_are_relative():
    doc = {
        "totals": {"percent_covered": 81.234, "num_statements": 50, "missing_lines": 9},
        "files": {
            "/workspace/pkg/a.py": {"summary": {"percent_covered": 100.0}, "missing_lines": []},
            "/workspace/pkg/b.py": {"summary": {"percent_covered": 50.0}, "missing_lines": [3, 4]},
        },
    }
    summary = parse_coverage_json(json.dumps(doc).encode())
    assert summary.percent == 81.23
    assert summary.files == {"pkg/a.py": 100.0, "pkg/b.py": 50.0}
    assert summary.missing_lines["pkg/b.py"] == [3, 4]


def test_ruff_is_isolated_from_learner_config():
    argv = ruff_argv("ruff", ("E", "F"))
    assert "--isolated" in argv
    assert "--select=E,F" in argv
    assert "--output-format=json" in argv


def test_parse_ruff_json(tmp_path: Path):
    out = json.dumps(
        [
            {
                "code": "F401",
                "message": "`os` imported but unused",
                "filename": str(tmp_path / "pkg" / "a.py"),
                "location": {"row": 1, "column": 8},
            },
            {
                "code": None,
                "message": "SyntaxError: invalid syntax",
                "filename": str(tmp_path / "b.py"),
                "location": {"row": 2, "column": 1},
            },
        ]
    )
    findings = parse_ruff_json(out, tmp_path)
    assert [(f.path, f.line, f.code) for f in findings] == [
        ("b.py", 2, "syntax-error"),
        ("pkg/a.py", 1, "F401"),
    ]


def test_lint_budget():
    findings = [Finding(path="a.py", line=i, code="E501", message="long") for i in range(3)]
    assert lint_check(findings, ("E",), budget=3).status is Status.PASS
    failed = lint_check(findings, ("E",), budget=2)
    assert failed.status is Status.FAIL
    assert failed.metrics["violations"] == 3
    assert "E501 x3" in failed.summary
    assert "ruff check --fix" in failed.summary
