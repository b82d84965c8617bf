"""The error boundary: whatever fails, a report with verdict error, a reason and a crash log."""

import json
import os
import subprocess
import sys

import pytest

from evaluator.commands import evaluate as command
from evaluator.config import load_config
from evaluator.crash import CRASH_LOG, crash_text
from evaluator.errors import ConfigError, InternalError


def _run(load, out):
    return command.run(
        load, source="./nowhere", ref=None, capstone_id=None, out=out, as_json=False, quiet=True
    )


def _deep_recursion():
    def down(n: int) -> int:
        return down(n + 1) + 1

    return down(0)


def test_an_unexpected_failure_leaves_a_report_and_a_crash_log(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InternalError) as info:
        _run(_deep_recursion, out)
    assert info.value.exit_code == 2
    assert "internal error: RecursionError" in info.value.message
    assert str(out / CRASH_LOG) in (info.value.hint or "")
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == "error"
    assert "internal error: RecursionError: maximum recursion depth exceeded" in report["error"]
    assert (out / "report.md").is_file()
    assert (out / "report.html").is_file()
    log = (out / CRASH_LOG).read_text()
    assert "### version information" in log
    assert "capstone-eval: " in log
    assert "git: git version" in log
    assert "Traceback (most recent call last)" in log
    assert "in down" in log


def test_an_expected_failure_keeps_its_message_and_writes_no_crash_log(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match="CAPSTONE_EVAL_CPUS='abc' is not a number"):
        _run(lambda: load_config({"CAPSTONE_EVAL_CPUS": "abc"}), out)
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == "error"
    assert "CAPSTONE_EVAL_CPUS" in report["error"]
    assert not (out / CRASH_LOG).exists()


def test_crash_log_shows_control_characters():
    text = crash_text(ValueError("bad name \x1b]0;pwned\x07"), context="testing")
    assert "\x1b" not in text
    assert "␛]0;pwned␇" in text


#: The real CLI, with a bug planted in one command (no real command is known to have one).
PLANTED_BUG = """
from evaluator.cli import main
from evaluator.commands import rubrics


def down(n):
    return down(n + 1) + 1


rubrics.run_validate = lambda *args, **kwargs: down(0)
raise SystemExit(main())
"""


def test_every_command_has_the_boundary(tmp_path):
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text("id: rubric\n")
    done = subprocess.run(
        [sys.executable, "-c", PLANTED_BUG, "rubrics", "validate", str(rubric)],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "error: internal error: RecursionError" in done.stderr
    log = tmp_path / "cache" / "capstone-evaluator" / CRASH_LOG
    assert f"please report it with {log}" in done.stderr
    assert "Traceback (most recent call last)" in log.read_text()
