"""Shipped rubric files, the published schema, and loader errors with file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluator.errors import ConfigError
from evaluator.rubrics.loader import (
    LEVELS_FILE,
    RubricFileError,
    dump_json,
    find_rubric,
    find_rubric_path,
    load_all,
    load_levels,
    load_rubric,
    rubric_paths,
    rubrics_dir,
)
from evaluator.rubrics.model import MetricCriterion, rubric_json_schema

ROOT = Path(__file__).resolve().parents[3]
CURRICULUM_IDS = [
    "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.4a", "3.1", "3.2", "3.3",
    "4.1", "4.2", "4.3", "5.2", "5.4",
]  # fmt: skip


@pytest.mark.parametrize("path", rubric_paths(rubrics_dir()), ids=lambda p: p.stem)
def test_every_shipped_rubric_validates(path: Path) -> None:
    rubric = load_rubric(path)
    assert rubric.id == path.stem
    assert all(c.next_step.strip() for c in rubric.criteria)


@pytest.mark.parametrize("short", CURRICULUM_IDS)
def test_every_curriculum_capstone_has_a_rubric(short: str) -> None:
    assert find_rubric(short).id.startswith(f"{short}-")


def test_data_team_milestones_have_rubrics() -> None:
    months = {r.id.split("-")[1] for r in load_all(rubrics_dir()) if r.id.startswith("dt-")}
    assert months == {"m1", "m3", "m6", "m9"}


def test_seed_thresholds() -> None:
    def threshold(short: str, cid: str) -> float | str:
        criterion = next(c for c in find_rubric(short).criteria if c.id == cid)
        assert isinstance(criterion, MetricCriterion)
        return criterion.value

    assert threshold("3.1", "hidden-test-accuracy") == 0.97
    assert threshold("3.2", "hidden-test-accuracy") == 0.85
    assert threshold("1.1", "twenty-tests") == 20
    assert threshold("2.4a", "top-ten-percent") == 10


def test_levels_name_only_existing_rubrics() -> None:
    ids = {r.id for r in load_all(rubrics_dir())}
    levels = load_levels(rubrics_dir() / LEVELS_FILE)
    named = [i for level in levels.levels for i in level.requires.rubric_ids()]
    assert named
    assert set(named) <= ids


def test_committed_schema_equals_generated() -> None:
    committed = (ROOT / "schemas" / "rubric.schema.json").read_text(encoding="utf-8")
    assert committed == dump_json(rubric_json_schema()), (
        "regenerate: python -c 'from evaluator.rubrics.model import rubric_json_schema as s; "
        "from evaluator.rubrics.loader import dump_json as d; "
        'open("schemas/rubric.schema.json","w").write(d(s()))\''
    )


def test_shipped_rubrics_validate_against_published_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json.loads((ROOT / "schemas" / "rubric.schema.json").read_text(encoding="utf-8"))
    paths = rubric_paths(rubrics_dir())
    assert len(paths) >= 20  # every capstone of the curriculum, not an empty folder
    for path in paths:
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
id: {id}
title: T
criteria:
  - id: a
    kind: metric
    check: tests
    metric: passed
    op: ">="
    value: 20
"""


def test_error_names_file_line_and_field_of_bad_operator(tmp_path: Path) -> None:
    path = _write(tmp_path, "x", GOOD.format(id="x").replace('">="', '"=>"'))
    with pytest.raises(RubricFileError) as caught:
        load_rubric(path)
    problem = caught.value.problems[0]
    assert (problem.path, problem.line, problem.field) == (path, 8, "criteria[0].op")
    assert str(problem).startswith(f"{path}:8: criteria[0].op: ")


def test_error_on_unknown_key_points_at_it(tmp_path: Path) -> None:
    text = GOOD.format(id="x").replace("    value: 20\n", "    value: 20\n    treshold: 3\n")
    with pytest.raises(RubricFileError) as caught:
        load_rubric(_write(tmp_path, "x", text))
    problem = caught.value.problems[0]
    assert (problem.line, problem.field, problem.message) == (
        10,
        "criteria[0].treshold",
        "unknown key",
    )


def test_error_on_missing_field_points_at_its_mapping(tmp_path: Path) -> None:
    text = GOOD.format(id="x").replace(
        "  - id: a\n    kind: metric\n", "  - id: a\n    kind: sorcery\n"
    )
    with pytest.raises(RubricFileError) as caught:
        load_rubric(_write(tmp_path, "x", text))
    assert caught.value.problems[0].line == 4
    assert caught.value.problems[0].field == "criteria[0]"


def test_error_on_level_descriptor(tmp_path: Path) -> None:
    text = "id: x\ncriteria:\n  - id: j\n    kind: judgement\n    levels: {0: a, 1: b}\n"
    with pytest.raises(RubricFileError) as caught:
        load_rubric(_write(tmp_path, "x", text))
    problem = caught.value.problems[0]
    assert (problem.line, problem.field) == (5, "criteria[0].levels")
    assert "each level 0, 1, 2, 3 and 4" in problem.message


def test_all_problems_are_collected(tmp_path: Path) -> None:
    text = (
        "id: x\ncriteria:\n  - id: a\n    kind: presence\n"
        "  - id: a\n    kind: mentor\n    pass_level: 9\n"
    )
    with pytest.raises(RubricFileError) as caught:
        load_rubric(_write(tmp_path, "x", text))
    fields = [p.field for p in caught.value.problems]
    assert fields == ["criteria[0]", "criteria[1].pass_level"]


def test_invalid_yaml_and_wrong_shape(tmp_path: Path) -> None:
    with pytest.raises(RubricFileError) as caught:
        load_rubric(_write(tmp_path, "x", "id: x\ncriteria: [\n"))
    assert caught.value.problems[0].line == 3
    with pytest.raises(RubricFileError, match="must be a YAML mapping"):
        load_rubric(_write(tmp_path, "y", "- just\n- a list\n"))


def test_bad_regex_is_reported(tmp_path: Path) -> None:
    text = (
        "id: x\ncriteria:\n  - id: p\n    kind: presence\n"
        "    patterns:\n      - regex: '(unclosed'\n"
    )
    with pytest.raises(RubricFileError) as caught:
        load_rubric(_write(tmp_path, "x", text))
    problem = caught.value.problems[0]
    assert (problem.line, problem.field) == (6, "criteria[0].patterns[0].regex")


def test_id_must_equal_file_name(tmp_path: Path) -> None:
    with pytest.raises(RubricFileError) as caught:
        load_rubric(_write(tmp_path, "other", GOOD.format(id="x")))
    assert (caught.value.problems[0].line, caught.value.problems[0].field) == (1, "id")


def test_lookup_by_short_form_and_its_errors(tmp_path: Path) -> None:
    for name in ("5.4-final", "5.4a-track", "7.1-one", "7.1-two"):
        _write(tmp_path, name, GOOD.format(id=name))
    assert find_rubric_path("5.4", tmp_path).stem == "5.4-final"
    assert find_rubric_path("5.4a-track", tmp_path).stem == "5.4a-track"
    with pytest.raises(ConfigError, match=r"several rubrics: 7\.1-one, 7\.1-two"):
        find_rubric_path("7.1", tmp_path)
    with pytest.raises(ConfigError, match=r"no rubric for capstone '9\.9'") as caught:
        find_rubric_path("9.9", tmp_path)
    assert caught.value.hint is not None
    assert "5.4-final" in caught.value.hint
