"""``capstone-eval evaluate`` and ``capstone-eval review`` with a model on loopback, as a user
runs them: the bundled example graduates when the model grades well and cites real lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from evaluator.cli import cli as main_cli
from evaluator.model.report import SourceInfo
from evaluator.reporting.files import write_reports
from evaluator.rubrics.apply import apply_rubric
from evaluator.rubrics.evidence import Evidence, gather_presence
from evaluator.rubrics.loader import find_rubric
from tests.conftest import REPO_ROOT
from tests.factories import check, report
from tests.integration.test_cli import cli
from tests.llm_server import FakeLLM, grader

KEY = "sk-loopback-cli-SECRET-99"


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """The command in this process (litellm is imported once for all these tests)."""
    return CliRunner().invoke(main_cli, list(args), env=env)


def model_env(server: FakeLLM, tmp_path: Path) -> dict[str, str]:
    return {
        "CAPSTONE_EVAL_LLM_MODEL": "openai/loopback-reviewer",
        "CAPSTONE_EVAL_LLM_API_BASE": server.url,
        "CAPSTONE_EVAL_LLM_API_KEY": KEY,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }


def no_key_in(folder: Path) -> None:
    for path in folder.iterdir():
        assert KEY not in path.read_text(encoding="utf-8"), path


def _needs_mentor_report(tmp_path: Path) -> Path:
    """A decided report of a local copy of the example, as evaluate writes it without a model."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "examples" / "file-organizer", repo,
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    rubric = find_rubric("1.1")
    checks = [check("tests", passed=25, failed=0), check("coverage", percent=93.0),
              check("lint", violations=0), check("hidden-tests", passed=8)]  # fmt: skip
    base = report(*checks).model_copy(
        update={"source": SourceInfo(kind="path", location=str(repo))}
    )
    decided = apply_rubric(base, rubric, Evidence(presence=gather_presence(repo, rubric)))
    assert decided.decision is not None and decided.decision.verdict.value == "needs-mentor"
    write_reports(decided, tmp_path / "out" / "report.json")
    return tmp_path / "out" / "report.json"


def test_review_re_runs_only_the_review_and_re_decides(tmp_path):
    report_json = _needs_mentor_report(tmp_path)
    before = json.loads(report_json.read_text())
    with FakeLLM(grader(3)) as server:
        done = invoke("review", str(report_json), "--lang", "nl", env=model_env(server, tmp_path))
        assert done.exit_code == 0, done.output
        assert len(server.requests) == 1
        again = invoke("review", str(report_json.parent), "-q", env=model_env(server, tmp_path))
        assert again.exit_code == 0, again.output
        assert len(server.requests) == 1  # answered from the cache
    assert done.stdout.splitlines()[-1] == "verdict: graduation-ready"
    assert "review: openai/loopback-reviewer, 3 of 3 criteria decided" in done.stdout
    assert "$0.0000 (cached)" not in done.stdout
    assert "cost unknown" in done.stdout  # no price for a loopback model: unknown, not $0
    assert "(cached)" in again.stdout
    after = json.loads(report_json.read_text())
    assert after["checks"] == before["checks"]
    assert after["review"]["status"] == "reviewed"
    assert after["review"]["calls"][0]["cached"] is True
    assert after["review"]["cost_usd"] == 0.0
    judged = {c["id"]: (c["status"], c["trust"], c["level"]) for c in after["criteria"]
              if c["kind"] == "judgement"}  # fmt: skip
    assert set(judged.values()) == {("pass", "llm", 3)}
    assert "### AI review" in (report_json.parent / "report.md").read_text()
    no_key_in(report_json.parent)

    # A mentor overrides an LLM level: both levels stay in report.json.
    done = invoke("override", str(report_json), "structure", "--level", "1", "--note",
                  "Mixed jobs", "--by", "Ada")  # fmt: skip
    assert done.exit_code == 0, done.output
    structure = next(c for c in json.loads(report_json.read_text())["criteria"]
                     if c["id"] == "structure")  # fmt: skip
    assert (structure["level"], structure["llm_level"], structure["trust"]) == (1, 3, "mentor")
    assert structure["original"]["trust"] == "llm"
    assert "LLM level 3/4, mentor level 1/4" in (report_json.parent / "report.html").read_text()


def test_review_without_a_model_says_not_run_and_how_to_configure(tmp_path):
    report_json = _needs_mentor_report(tmp_path)
    done = invoke("review", str(report_json), env={"CAPSTONE_EVAL_LLM_MODEL": ""})
    assert done.exit_code == 1, done.output
    assert "review: not-run (no model configured: set CAPSTONE_EVAL_LLM_MODEL" in done.stdout
    assert json.loads(report_json.read_text())["review"]["status"] == "not-run"


def test_review_of_a_missing_report_explains(tmp_path):
    done = invoke("review", str(tmp_path / "nowhere"))
    assert done.exit_code == 2
    assert "error: no report.json for" in done.stderr
    assert "capstone-eval evaluate" in done.stderr


@pytest.mark.docker
@pytest.mark.slow
def test_the_bundled_example_graduates_with_a_model_that_grades_well(tmp_path, engine):
    out = tmp_path / "out"
    with FakeLLM(grader(3)) as server:
        done = cli("evaluate", "examples/file-organizer", "--out", str(out), cwd=REPO_ROOT,
                   env=model_env(server, tmp_path))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "verdict: graduation-ready"
    report_doc = json.loads((out / "report.json").read_text())
    review = report_doc["review"]
    assert review["status"] == "reviewed"
    assert review["prompt_tokens"] <= 30_000
    assert review["citations_dropped"] == 0
    assert review["findings"] == []
    assert "review" in report_doc["timings"]["phases"]
    assert report_doc["decision"]["undecided"] == []
    assert report_doc["decision"]["score"] >= 0.6
    no_key_in(out)
    prompt = server.requests[0]["messages"][1]["content"]
    assert "- tests (self-reported): pass:" in prompt  # grounded in what ran
    assert "- lint (verified): pass:" in prompt
