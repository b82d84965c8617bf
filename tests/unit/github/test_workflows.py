"""The Action and the workflows are what the README promises (parsed, not run)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def _load(path: str) -> dict:
    data = yaml.safe_load((ROOT / path).read_text())
    # YAML 1.1 reads the key `on` as True.
    return {("on" if key is True else key): value for key, value in data.items()}


def test_the_action_is_composite_and_applies_the_verdict_last() -> None:
    action = _load("action.yml")
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    assert {"path", "capstone", "lang", "advisory", "sarif", "image", "github-token"} <= set(
        action["inputs"]
    )
    names = [s.get("name", s.get("uses", "")) for s in steps]
    assert names.index("Upload the reports") < names.index("Verdict") == len(steps) - 1
    assert any("cache-from" in (s.get("with") or {}) for s in steps)  # layer cache


def test_the_reusable_workflow_checks_out_the_head_without_credentials() -> None:
    workflow = _load(".github/workflows/evaluate.yml")
    assert "workflow_call" in workflow["on"]
    steps = workflow["jobs"]["evaluate"]["steps"]
    checkout = steps[0]["with"]
    assert "pull_request.head.sha" in checkout["ref"]
    assert checkout["persist-credentials"] is False
    text = (ROOT / ".github/workflows/evaluate.yml").read_text()
    assert "pull_request_target" not in text


def test_the_release_workflow_pushes_the_sandbox_image() -> None:
    release = _load(".github/workflows/release.yml")
    steps = release["jobs"]["sandbox-image"]["steps"]
    build = next(s for s in steps if str(s.get("uses", "")).startswith("docker/build-push"))
    assert build["with"]["push"] is True and build["with"]["context"] == "sandbox"
    assert release["jobs"]["sandbox-image"]["permissions"]["packages"] == "write"


def test_the_reusable_workflow_evaluates_the_learners_checkout_only() -> None:
    # The evaluator's own checkout must not sit inside the folder that is evaluated: its
    # code, tests and README would be linted, tested and scanned as the learner's.
    steps = _load(".github/workflows/evaluate.yml")["jobs"]["evaluate"]["steps"]
    learner = steps[0]["with"]["path"]
    evaluator = next(s for s in steps if s["name"] == "Check out capstone-evaluator")
    evaluated = next(s for s in steps if s.get("id") == "evaluate")["with"]["path"]
    assert evaluated.startswith(f"{learner}/")
    assert not evaluator["with"]["path"].startswith(f"{learner}/")
    assert evaluated.split("/")[0] != evaluator["with"]["path"]
