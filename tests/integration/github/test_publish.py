"""Publishing with PyGithub against the fake GitHub API on loopback: the sticky comment,
the check run's life and the annotation batches."""

from __future__ import annotations

from evaluator.github.client import token_client
from evaluator.github.config import GitHubConfig
from evaluator.github.publish import MARKER, fail_check, publish_report, start_check
from evaluator.model.report import CheckResult, Finding, Status, Verdict
from tests.factories import report
from tests.fake_github import APP_ID, VIA_ACTIONS, VIA_APP, fake_github

TOKEN = "ghs_publisher"
WRITE = {"checks": "write", "pull_requests": "write"}
SHA = "a" * 40


def _lint_report(count: int) -> object:
    findings = [Finding(path="pkg/mod.py", line=i + 1, column=1, code="F401",
                        message=f"`os` imported but unused ({i})") for i in range(count)]  # fmt: skip
    lint = CheckResult(id="lint", status=Status.FAIL, summary=f"{count} violations",
                       metrics={"violations": count}, findings=findings)  # fmt: skip
    return report(lint, capstone=None).model_copy(update={"verdict": Verdict.FAIL})


def test_120_lint_findings_take_three_annotation_requests() -> None:
    with fake_github(**{TOKEN: WRITE}) as fake:
        config = GitHubConfig(api_url=fake.url, write_interval_s=0)
        repo = token_client(config, TOKEN).get_repo("ada/organizer")
        published = publish_report(repo, _lint_report(120), check_name="capstone-evaluator",
                                   head_sha=SHA, pull_number=None, lang="en")  # fmt: skip

    created = fake.writes(r"/check-runs$")
    updates = fake.writes(r"/check-runs/\d+$")
    assert published.annotation_requests == 3
    assert [len(r.body["output"]["annotations"]) for r in updates] == [50, 50, 20]
    assert created[0].body["status"] == "in_progress"
    assert [r.body.get("status") for r in updates] == [None, None, "completed"]
    assert updates[-1].body["conclusion"] == "failure"
    first = updates[0].body["output"]["annotations"][0]
    assert first == {"path": "pkg/mod.py", "start_line": 1, "end_line": 1, "start_column": 1,
                     "end_column": 1, "annotation_level": "warning", "title": "F401",
                     "message": "`os` imported but unused (0)"}  # fmt: skip
    run = fake.check_runs[published.check_run_id]
    assert len(run["annotations"]) == 120
    assert run["output"]["summary"].startswith(MARKER)


def test_the_comment_is_sticky_and_a_learner_quote_is_left_alone() -> None:
    with fake_github(**{TOKEN: WRITE}) as fake:
        fake.comments[1] = {"id": 1, "issue": 7, "body": f"{MARKER} fake graduation!",
                            "user": {"login": "ada", "type": "User", "id": 9},
                            "url": f"{fake.url}/repos/ada/organizer/issues/comments/1"}  # fmt: skip
        config = GitHubConfig(api_url=fake.url, write_interval_s=0)
        repo = token_client(config, TOKEN).get_repo("ada/organizer")
        for count, sha in ((3, SHA), (1, "b" * 40)):  # two pushes
            fake.pull_heads[7] = sha
            publish_report(repo, _lint_report(count), check_name="capstone-evaluator",
                           head_sha=sha, pull_number=7, lang="en")  # fmt: skip
        # A late result of the first push completes its check run, but the comment stays.
        late = publish_report(repo, _lint_report(5), check_name="capstone-evaluator",
                              head_sha=SHA, pull_number=7, lang="en")  # fmt: skip
        assert late.comment_id is None
        rerun = start_check(repo, "capstone-evaluator", "c" * 40)
        assert start_check(repo, "capstone-evaluator", "c" * 40).id == rerun.id  # reused

    created = fake.writes(r"/issues/7/comments$")
    edited = fake.writes(r"/issues/comments/\d+$")
    assert len(created) == 1 and len(edited) == 1
    ours = [c for c in fake.comments.values() if c["user"]["type"] == "Bot"]
    assert len(ours) == 1
    assert ours[0]["body"].startswith(MARKER) and "1 violations" in ours[0]["body"]
    assert fake.comments[1]["body"] == f"{MARKER} fake graduation!"


def _comment(fake: object, cid: int, body: str, via: dict[str, object]) -> None:
    fake.comments[cid] = {"id": cid, "issue": 7, "body": body, "performed_via_github_app": via,
                          "user": {"login": f"{via['slug']}[bot]", "type": "Bot", "id": cid},
                          "url": f"{fake.url}/repos/ada/organizer/issues/comments/{cid}"}  # fmt: skip


def _publish_as_app(fake: object) -> int | None:
    """The App publishes a 3-violation report on pull request 7; returns the comment id."""
    fake.pull_heads[7] = SHA
    config = GitHubConfig(api_url=fake.url, write_interval_s=0)
    repo = token_client(config, TOKEN).get_repo("ada/organizer")
    return publish_report(repo, _lint_report(3), check_name="capstone-evaluator", head_sha=SHA,
                          pull_number=7, lang="en", app_id=APP_ID).comment_id  # fmt: skip


def test_the_app_never_edits_a_marked_comment_of_another_bot() -> None:
    """The learner's own workflow (github-actions[bot]) posts a comment starting with the
    marker and a forged verdict: the App leaves it alone and writes its own comment."""
    with fake_github(**{TOKEN: WRITE}) as fake:
        _comment(fake, 1, f"{MARKER}\n## ✅ Graduation-ready", VIA_ACTIONS)
        assert _publish_as_app(fake) != 1
    assert fake.comments[1]["body"] == f"{MARKER}\n## ✅ Graduation-ready"
    assert len(fake.writes(r"/issues/7/comments$")) == 1


def test_the_app_edits_its_own_comment() -> None:
    """The honest twin: the App's earlier comment, after another bot's, is the one edited."""
    with fake_github(**{TOKEN: WRITE}) as fake:
        _comment(fake, 1, f"{MARKER} forged", VIA_ACTIONS)
        _comment(fake, 2, f"{MARKER} earlier result", VIA_APP)
        assert _publish_as_app(fake) == 2
    assert fake.comments[1]["body"] == f"{MARKER} forged"
    assert "3 violations" in fake.comments[2]["body"]
    assert not fake.writes(r"/issues/7/comments$")


def test_a_failure_reason_is_shown_inert_in_the_check_run() -> None:
    """The reason can quote what GitHub or git answered about the learner's repository."""
    with fake_github(**{TOKEN: WRITE}) as fake:
        config = GitHubConfig(api_url=fake.url, write_interval_s=0)
        repo = token_client(config, TOKEN).get_repo("ada/organizer")
        run = start_check(repo, "capstone-evaluator", SHA)
        fail_check(run, "gave up after 3 attempts: clone of @staff's #1 <img src=x> failed")
    summary = fake.check_runs[run.id]["output"]["summary"]
    assert summary == (
        "gave up after 3 attempts: clone of @&#8203;staff's &#35;&#8203;1 &lt;img src=x&gt; failed"
    )
    assert fake.check_runs[run.id]["conclusion"] == "failure"
