"""``capstone-eval rubrics …`` and ``capstone-eval override`` as a user runs them (in-process)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from evaluator.cli import cli
from evaluator.model.criteria import CriterionStatus, GraduationVerdict
from evaluator.reporting.files import read_report, write_reports
from evaluator.rubrics.loader import rubric_paths, rubrics_dir
from tests.samples import HOSTILE_NAME, full_report, previous_attempt


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_list_names_every_shipped_rubric():
    done = invoke("rubrics", "list")
    assert done.exit_code == 0, done.output
    ids = [line.split()[0] for line in done.output.splitlines()]
    assert ids == [p.stem for p in rubric_paths(rubrics_dir())]
    assert "1.1-file-organizer" in ids
    assert "File Organizer CLI" in done.output


def test_show_by_short_id_lists_criteria_with_trust_and_next_step():
    done = invoke("rubrics", "show", "1.1")
    assert done.exit_code == 0, done.output
    assert done.output.startswith("1.1-file-organizer: File Organizer CLI")
    assert "- twenty-tests [metric, must pass, self-reported] At least 20 test cases" in done.output
    assert "tests.passed >= 20" in done.output
    assert "next step: Write more pytest test cases" in done.output


def test_show_as_json_round_trips():
    done = invoke("rubrics", "show", "3.1", "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["id"] == "3.1-mnist-mlp"
    assert any(c.get("check") == "benchmark" for c in data["criteria"])


def test_show_unknown_capstone_exits_2_with_hint():
    done = invoke("rubrics", "show", "9.9")
    assert done.exit_code == 2
    assert "error: no rubric for capstone '9.9'" in done.output
    assert "hint: use one of: 1.1-file-organizer" in done.output


def test_validate_every_shipped_rubric():
    done = invoke("rubrics", "validate")
    assert done.exit_code == 0, done.output
    assert f"ok: {len(rubric_paths(rubrics_dir()))} rubric(s) valid" in done.output


BROKEN = """\
id: broken
title: Broken
criteria:
  - id: tests
    kind: metric
    title: Tests
    check: tests
    metric: passed
    op: ">="
    value: 20
    next_step: Write tests.
  - id: readme
    kind: presence
    title: README
    wieght: 2
    next_step: Add one.
"""


def test_validate_broken_file_points_at_file_line_and_field(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    done = invoke("rubrics", "validate", str(path))
    assert done.exit_code == 1
    assert f"{path}:15: criteria[1].wieght: unknown key" in done.output
    assert "problem(s) in" in done.output
    assert "Traceback" not in done.output


def test_validate_yaml_syntax_error_gives_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: bad\ntitle: [unclosed\ncriteria: []\n")
    done = invoke("rubrics", "validate", str(path))
    assert done.exit_code == 1
    assert done.output.startswith(f"{path}:")
    line = int(done.output.split(":")[1])
    assert line >= 2


def test_validate_folder_checks_level_references(tmp_path):
    shutil.copy(rubrics_dir() / "1.1-file-organizer.yaml", tmp_path)
    (tmp_path / "levels.yaml").write_text(
        "levels:\n  - id: '1'\n    title: Level 1\n    requires:\n      all_of: [1.1-file-organizer, 1.9-missing]\n"
    )
    done = invoke("rubrics", "validate", str(tmp_path))
    assert done.exit_code == 1
    assert "levels.yaml" in done.output
    assert "no rubric '1.9-missing'" in done.output


@pytest.fixture
def decided(tmp_path: Path) -> Path:
    """A decided 1.1 report written as evaluate writes it, with an earlier attempt beside it."""
    path = tmp_path / "report.json"
    write_reports(full_report(), path)
    (tmp_path / "report.previous.json").write_text(previous_attempt().model_dump_json())
    return path


def test_override_re_decides_keeps_the_original_and_re_renders(decided):
    before = read_report(decided)
    assert before.decision is not None
    assert before.decision.verdict is GraduationVerdict.NOT_YET
    old_html = (decided.parent / "report.html").read_text()
    old_md = (decided.parent / "report.md").read_text()
    note = f"Reviewed live; {HOSTILE_NAME}"

    done = invoke(
        "override", str(decided.parent), "test-quality", "--level", "3", "--note", note,
        "--by", "Mentor <Ada>", "--lang", "nl",
    )  # fmt: skip

    assert done.exit_code == 0, done.output
    assert "test-quality: fail -> pass (level 3, Mentor <Ada>)" in done.output
    after = read_report(decided)
    result = next(c for c in after.criteria if c.id == "test-quality")
    assert result.status is CriterionStatus.PASS
    assert result.trust.value == "mentor"
    assert result.original is not None
    assert result.original.status is CriterionStatus.FAIL
    assert result.original.level == 1
    assert [o.criterion for o in after.overrides] == [
        *[o.criterion for o in before.overrides],
        "test-quality",
    ]
    assert after.decision is not None
    assert after.decision.failing == [f for f in before.decision.failing if f != "test-quality"]
    html = (decided.parent / "report.html").read_text()
    assert html != old_html
    assert 'lang="nl"' in html
    assert "Mentor &lt;Ada&gt;" in html
    assert "<script>alert" not in html
    # The earlier attempt beside it (report.previous.json) still feeds the diff section.
    assert "Wijzigingen sinds de vorige poging" in html
    md = (decided.parent / "report.md").read_text()
    assert "**Test quality** (" not in md  # no longer in the failing list
    assert "**Test quality** (" in old_md


def test_override_to_graduation_ready(decided):
    report = read_report(decided)
    assert report.decision is not None
    outputs = []
    for criterion in [*report.decision.failing, *report.decision.undecided]:
        done = invoke(
            "override", str(decided), criterion, "--level", "4", "--note", "ok", "--by", "Ada"
        )
        assert done.exit_code == 0, done.output
        outputs.append(done.output)
    after = read_report(decided)
    assert after.decision is not None
    assert after.decision.verdict is GraduationVerdict.READY, after.decision
    assert "verdict: not-yet -> " in outputs[0]
    assert "-> graduation-ready" in outputs[-1]
    assert (decided.parent / "report.md").read_text().splitlines()[1].startswith("## ✅")


def test_override_unknown_criterion_is_a_clear_error(decided):
    done = invoke("override", str(decided), "nope", "--level", "2", "--note", "n", "--by", "A")
    assert done.exit_code == 2
    assert "error: no criterion 'nope'" in done.output
    assert "hint: use one of: behaviour, tests-pass" in done.output


def test_override_needs_a_decided_report(tmp_path):
    path = tmp_path / "report.json"
    write_reports(full_report().model_copy(update={"criteria": [], "decision": None}), path)
    done = invoke("override", str(path), "x", "--level", "2", "--note", "n", "--by", "A")
    assert done.exit_code == 2
    assert "holds no rubric decision" in done.output


def test_override_rejects_a_level_out_of_range(decided):
    done = invoke("override", str(decided), "coverage", "--level", "5", "--note", "n", "--by", "A")
    assert done.exit_code == 2
    assert "--level" in done.output
