import json
import subprocess
from pathlib import Path

from evaluator.checks.coverage_json import coverage_summary
from evaluator.checks.lint import lint_check, parse_ruff_json, ruff_argv, run_lint
from evaluator.model.report import Finding, Status
from tests.conftest import write_tree


def test_coverage_json_paths_are_relative():
    doc = {
        "totals": {"percent_covered": 81.234, "num_statements": 50, "missing_lines": 9},
        "files": {
            "/workspace/pkg/a.py": {"summary": {"percent_covered": 100.0}, "missing_lines": []},
            "/workspace/pkg/b.py": {"summary": {"percent_covered": 50.0}, "missing_lines": [3, 4]},
        },
    }
    summary = coverage_summary(doc)
    assert summary.percent == 81.23
    assert summary.files == {"pkg/a.py": 100.0, "pkg/b.py": 50.0}
    assert summary.missing_lines["pkg/b.py"] == [3, 4]


def test_ruff_is_isolated_from_learner_config():
    argv = ruff_argv("ruff", ("E", "F"))
    assert "--isolated" in argv
    assert "--ignore-noqa" in argv
    assert "--no-respect-gitignore" in argv
    assert "--exclude=.git,.hg,.ipynb_checkpoints,.mypy_cache" in ",".join(argv)
    assert "--select=E,F" in argv
    assert "--output-format=json" in argv


HIDING_PLACES = {
    "pkg/__init__.py": "",
    "pkg/plain.py": "import os\n",
    "pkg/noqa.py": "import os  # noqa\nimport sys  # noqa: F401\n",
    "pkg/file_noqa.py": "# ruff: noqa\nimport os\n",
    "pkg/flake8.py": "# flake8: noqa\nimport os\n",
    "pkg/ruff_ignore.py": "import os  # ruff: ignore[F401]\n",
    "pkg/ruff_disable.py": "# ruff: disable[F401]\nimport os\n# ruff: enable[F401]\n",
    "dist/moved.py": "import os\n",
    "build/moved.py": "import os\n",
    "site-packages/moved.py": "import os\n",
    "__pypackages__/moved.py": "import os\n",
    ".hidden/moved.py": "import os\n",
    "ignored/moved.py": "import os\n",
    "gitignored/moved.py": "import os\n",
    ".ignore": "ignored/\n",
    ".gitignore": "gitignored/\n",
    "pyproject.toml": '[tool.ruff]\nexclude = ["pkg"]\n[tool.ruff.lint]\nignore = ["F401"]\n',
    "ruff.toml": 'extend-exclude = ["dist"]\n[lint]\nselect = []\n',
}


def test_no_learner_file_or_comment_hides_a_finding(tmp_path: Path):
    write_tree(tmp_path, HIDING_PLACES)
    # ruff reads .gitignore only inside a git repository: make it one.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    check = run_lint(tmp_path, ("E", "F"), budget=0, noqa_directives=6)
    flagged = sorted(f.path for f in check.findings if f.code == "F401")
    expected = [p for p, t in HIDING_PLACES.items() if "import os" in t] + ["pkg/noqa.py"]
    assert flagged == sorted(expected)  # pkg/noqa.py twice: both of its lines
    assert check.metrics["noqa_directives"] == 6
    assert "6 suppression comment(s) ignored" in check.summary


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
