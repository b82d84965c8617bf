"""Pure GitHub pieces: the webhook signature (GitHub's documented test vector), events to
jobs, check-run conclusions and batches, SARIF, the git header settings."""

from __future__ import annotations

import base64
import json

import pytest

from evaluator.github.checkrun import MESSAGE_BYTES, batches, check_annotations, conclusion
from evaluator.github.client import auth_header_config
from evaluator.github.events import BadPayload, job_for
from evaluator.github.sarif import ruff_sarif
from evaluator.model.report import CheckResult, Finding, Status, Verdict
from evaluator.server.signature import sign, signature_valid
from tests.factories import check, report

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_githubs_documented_signature_vector() -> None:
    secret, body = "It's a Secret to Everybody", b"Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign(secret, body) == expected
    assert signature_valid(secret, body, expected)
    assert not signature_valid(secret, body + b" ", expected)
    assert not signature_valid(secret, body, expected.replace("sha256=", "sha1="))
    assert not signature_valid(secret, body, None)
    assert not signature_valid("another secret", body, expected)


def _pr(action: str = "opened", **head: str) -> bytes:
    return json.dumps({
        "action": action, "installation": {"id": 77}, "sender": {"login": "ada"},
        "repository": {"full_name": "ada/organizer",
                       "clone_url": "https://github.com/ada/organizer.git", "private": True},
        "pull_request": {"number": 7, "head": {"sha": SHA, "ref": "feature", **head}},
    }).encode()  # fmt: skip


def test_a_pull_request_becomes_a_job_for_its_head_commit() -> None:
    job = job_for("pull_request", "d-1", _pr())
    assert job is not None
    assert job.id == "gh-d-1"
    assert (job.source.location, job.source.ref) == ("https://github.com/ada/organizer.git", SHA)
    assert job.target.kind == "github"
    assert job.target.options == {"installation_id": 77, "repository": "ada/organizer",
                                  "clone_url": "https://github.com/ada/organizer.git",
                                  "head_sha": SHA, "pull_number": 7}  # fmt: skip
    assert job_for("pull_request", "d-2", _pr("closed")) is None
    assert job_for("installation", "d-3", b'{"action": "created"}') is None


def test_a_rerun_request_becomes_a_job() -> None:
    body = json.dumps({
        "action": "rerequested", "installation": {"id": 77},
        "repository": {"full_name": "ada/organizer", "clone_url": "https://github.com/ada/o.git"},
        "check_run": {"head_sha": SHA, "pull_requests": [{"number": 9}]},
    }).encode()  # fmt: skip
    job = job_for("check_run", "d-4", body)
    assert job is not None and job.target.options["pull_number"] == 9


def test_an_unusable_payload_says_what_is_missing() -> None:
    with pytest.raises(BadPayload, match=r"pull_request\.head\.sha"):
        job_for("pull_request", "d-5", _pr(sha="not-a-sha"))
    with pytest.raises(ValueError):
        job_for("pull_request", "d-6", b"{not json")


def test_conclusions_follow_the_verdict() -> None:
    assert conclusion(report(check("tests"))) == "success"
    failed = report(check("tests", Status.FAIL)).model_copy(update={"verdict": Verdict.FAIL})
    assert conclusion(failed) == "failure"
    assert batches([]) == [[]]
    assert [len(b) for b in batches([{}] * 101)] == [50, 50, 1]


def _failing_test(message: str, path: str = "tests/test_x.py") -> object:
    finding = Finding(path=path, line=3, code="test-failure", message="boom", detail=message)
    return report(CheckResult(id="tests", status=Status.FAIL, summary="1 failed",
                              findings=[finding]))  # fmt: skip


def test_an_annotation_message_fits_githubs_bytes_limit() -> None:
    """64 KB is bytes: 60,000 emoji are 240 KB, and GitHub would refuse every annotation."""
    (note,) = check_annotations(_failing_test("😈" * 60_000))
    assert len(note["message"].encode("utf-8")) <= MESSAGE_BYTES + len("…".encode())
    assert note["message"].endswith("😈…")  # cut between characters, never inside one


def test_an_annotation_shows_control_characters_and_keeps_its_path() -> None:
    evil = "tests/test_\u202ex.py"
    (note,) = check_annotations(_failing_test("ok\x1b]0;pwned\x07 \u202eexe.txt", path=evil))
    assert note["message"] == "ok␛]0;pwned␇ \\u202eexe.txt"
    assert note["path"] == evil  # GitHub places the annotation on that very file
    # The honest twin: an ordinary message, with its newlines, is sent as it is.
    (plain,) = check_annotations(_failing_test("assert 1 == 2\n  where 1 = f()"))
    assert plain["message"] == "assert 1 == 2\n  where 1 = f()"


def test_sarif_has_one_result_per_lint_finding() -> None:
    lint = CheckResult(id="lint", status=Status.FAIL, summary="2", findings=[
        Finding(path="a.py", line=3, column=5, code="F401", message="unused"),
        Finding(path="b.py", line=None, code="E501", message="long"),
    ])  # fmt: skip
    sarif = ruff_sarif(report(lint))
    results = sarif["runs"][0]["results"]
    assert sarif["version"] == "2.1.0"
    assert [r["ruleId"] for r in results] == ["F401", "E501"]
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]] == ["E501", "F401"]


def test_the_token_header_is_scoped_to_the_clone_host() -> None:
    ((key, value),) = auth_header_config("https://github.com/ada/organizer.git", "ghs_x")
    assert key == "http.https://github.com/.extraHeader"
    assert base64.b64decode(value.removeprefix("Authorization: Basic ")) == b"x-access-token:ghs_x"
