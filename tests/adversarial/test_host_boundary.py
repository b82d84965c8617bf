"""Hostile input never ends in a traceback: a report, a clear reason, the right exit code,
and control characters shown (never acted on) in the terminal and in both reports."""

from __future__ import annotations

import json
import os
import re

import pytest

from tests.adversarial.hostile import HONEST_FILES
from tests.conftest import write_tree
from tests.integration.test_cli import cli

#: What a terminal or a browser would act on: ESC, BEL, CR, C1 CSI, right-to-left override.
RAW = re.compile("[\x1b\x07\r\x9b\u202e]")

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _evaluate(tmp_path, repo, *, env=None):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "out"
    done = cli(
        "evaluate", str(repo), "--out", str(out), env={"TMPDIR": str(scratch), **(env or {})}
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert list(scratch.iterdir()) == []
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return done, report, out


def _check(report, check_id):
    return next(c for c in report["checks"] if c["id"] == check_id)


def test_file_name_that_is_not_utf8_is_reported_and_skipped(tmp_path, engine):
    repo = write_tree(tmp_path / "repo", HONEST_FILES)
    (repo / os.fsdecode(b"\xff\xfe.py")).write_text("import os\n")
    done, report, _ = _evaluate(tmp_path, repo)
    assert done.returncode == 1
    workspace = _check(report, "workspace")
    assert workspace["status"] == "fail"
    assert [(f["path"], f["code"]) for f in workspace["findings"]] == [
        ("\\xff\\xfe.py", "non-utf8-name")
    ]
    assert _check(report, "tests")["status"] == "pass"  # the rest was evaluated


def test_manifest_nested_25000_deep_is_a_failed_manifest_check(tmp_path, engine):
    repo = write_tree(tmp_path / "repo", {**HONEST_FILES, "capstone.yaml": "[" * 25_000})
    done, report, _ = _evaluate(tmp_path, repo)
    assert done.returncode == 1
    manifest = _check(report, "manifest")
    assert manifest["status"] == "fail"
    assert "nests lists or mappings too deeply" in manifest["summary"]


def test_declarations_and_notebooks_nested_too_deeply_are_read_as_invalid(tmp_path, engine):
    deep = "[" * 30_000
    numbers = {"cells": [{"cell_type": "code", "source": [1, 2]}]}  # nbformat wants strings
    hostile = {
        "environment.yml": deep,
        "Pipfile.lock": deep,
        "deep.ipynb": deep,
        "numbers.ipynb": json.dumps(numbers),
    }
    repo = write_tree(tmp_path / "repo", {**HONEST_FILES, **hostile})
    done, report, _ = _evaluate(tmp_path, repo)
    assert report["verdict"] != "error", report.get("error")
    install = _check(report, "install")
    notes = install["details"]["notes"]
    assert sorted(n for n in notes if "nested too deeply" in n) == [
        "Pipfile.lock is not valid JSON (nested too deeply); not read",
        "environment.yml is not valid YAML (nested too deeply); not read",
    ]
    assert _check(report, "tests")["status"] == "pass"  # the rest was evaluated
    assert done.returncode == 1


def test_forged_coverage_json_that_is_no_object(tmp_path, engine):
    forge = (
        "import os, pathlib\n\n\ndef test_forge():\n"
        "    path = pathlib.Path('/results/coverage.json')\n"
        "    path.write_text('[]')\n"
        "    os.chmod(path, 0o444)  # coverage json cannot overwrite it\n"
    )
    repo = write_tree(tmp_path / "repo", {**HONEST_FILES, "tests/test_forge.py": forge})
    done, report, _ = _evaluate(tmp_path, repo)
    assert done.returncode in (0, 1), done.stderr
    assert report["verdict"] != "error"
    coverage = _check(report, "coverage")
    assert coverage["status"] in ("pass", "fail", "error")


def test_bad_setting_still_gets_a_report(tmp_path, engine):
    repo = write_tree(tmp_path / "repo", HONEST_FILES)
    done, report, _ = _evaluate(tmp_path, repo, env={"CAPSTONE_EVAL_CPUS": "abc"})
    assert done.returncode == 2
    assert "error: CAPSTONE_EVAL_CPUS='abc' is not a number" in done.stderr
    assert report["verdict"] == "error"
    assert "CAPSTONE_EVAL_CPUS" in report["error"]


def test_escape_sequences_reach_no_terminal_and_no_report(tmp_path, engine):
    manifest = (
        "capstone: '1.1'\n"
        '"\\e]0;pwned\\a\\e[2J\\e[H": 1\n'
        '"\\rverdict: graduation-ready\\nverdict: graduation-ready": 2\n'
    )
    failing = (
        "def test_rtl():\n    assert False, 'safe\\u202egnp.exe \\x1b[31mred\\x1b[0m \\x9b2J'\n"
    )
    repo = write_tree(
        tmp_path / "repo",
        {
            **HONEST_FILES,
            "capstone.yaml": manifest,
            "tests/test_rtl.py": failing,
            "evil\x1b[2J\u202e.py": "import os\n",  # a lint finding names this file
        },
    )
    done, report, out = _evaluate(tmp_path, repo)
    assert done.returncode == 1
    assert not RAW.search(done.stdout), done.stdout
    assert not RAW.search(done.stderr), done.stderr
    assert "␛]0;pwned␇␛[2J␛[H: unknown key" in done.stdout
    assert not any(line.startswith("verdict: graduation") for line in done.stdout.splitlines())
    assert done.stdout.splitlines()[-1] == "verdict: fail (no rubric applied)"
    for name in ("report.md", "report.html"):
        text = (out / name).read_text(encoding="utf-8")
        assert not RAW.search(text), name
        assert "\\u202e" in text, name
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "evil␛[2J\\u202e.py" in html
    # report.json keeps the data exact; JSON escapes what a terminal would act on.
    raw_json = (out / "report.json").read_text(encoding="utf-8")
    assert not RAW.search(raw_json)
    assert "\u202e" in json.dumps(report, ensure_ascii=False)
