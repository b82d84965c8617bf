import pytest

from evaluator.intake.manifest import EXAMPLE_MANIFEST, load_manifest, parse_manifest
from evaluator.model.report import Status


def test_example_manifest_is_valid():
    outcome = parse_manifest(EXAMPLE_MANIFEST)
    assert outcome.check.status is Status.PASS
    assert outcome.manifest is not None
    assert outcome.manifest.capstone == "1.1-file-organizer"
    assert outcome.manifest.source == ["file_organizer"]


def test_single_strings_become_lists():
    manifest = parse_manifest("capstone: '3.1'\ntests: tests\nsource: pkg\n").manifest
    assert manifest is not None
    assert (manifest.tests, manifest.source) == (["tests"], ["pkg"])


def test_missing_manifest_fails_with_example(tmp_path):
    outcome = load_manifest(tmp_path)
    assert outcome.manifest is None
    assert outcome.check.status is Status.FAIL
    assert "no capstone.yaml" in outcome.check.summary
    assert outcome.check.details["example"] == EXAMPLE_MANIFEST


def test_yaml_syntax_error_names_the_line():
    outcome = parse_manifest("capstone: 1.1\ntests: [unclosed\n")
    assert outcome.check.status is Status.FAIL
    assert "not valid YAML" in outcome.check.summary
    assert outcome.check.findings[0].line is not None


def test_unknown_key_is_reported_with_its_line():
    outcome = parse_manifest("capstone: '1.1'\ntestz: [tests]\n")
    finding = outcome.check.findings[0]
    assert finding.message == "testz: unknown key"
    assert finding.line == 2


def test_missing_capstone_id():
    outcome = parse_manifest("tests: [tests]\n")
    assert "capstone: Field required" in outcome.check.summary


@pytest.mark.parametrize("bad", ["/etc", "../outside", "-rf"])
def test_paths_must_stay_inside_the_repository(bad):
    outcome = parse_manifest(f"capstone: '1.1'\ntests: ['{bad}']\n")
    assert outcome.check.status is Status.FAIL
    assert "relative path inside the repository" in outcome.check.findings[0].message


def test_capstone_id_is_a_slug():
    outcome = parse_manifest("capstone: 'rm -rf /'\n")
    assert outcome.check.status is Status.FAIL
    assert "capstone id" in outcome.check.summary


def test_not_a_mapping():
    assert parse_manifest("- a\n- b\n").check.findings[0].code == "manifest-shape"


def test_symlinked_manifest_is_not_trusted(tmp_path):
    (tmp_path / "real.yaml").write_text("capstone: '1.1'\n")
    (tmp_path / "capstone.yaml").symlink_to(tmp_path / "real.yaml")
    assert load_manifest(tmp_path).check.status is Status.FAIL


def test_a_train_command_is_accepted_and_the_learner_told_it_is_not_run():
    text = "capstone: 3.1-mnist-mlp\ntrain:\n  command: python train.py\n  time_budget_s: 600\n"
    outcome = parse_manifest(text)
    assert outcome.manifest is not None and outcome.manifest.train is not None
    assert outcome.check.status is Status.PASS
    assert outcome.check.summary.endswith("its train: command is not run")
    (note,) = outcome.check.findings
    assert (note.code, note.line) == ("manifest-train-not-run", 2)
    assert "commit the trained weights" in note.message
    assert parse_manifest("capstone: 3.1-mnist-mlp\n").check.findings == []  # nothing to say
