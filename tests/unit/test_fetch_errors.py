"""git's stderr, as captured from real failures, turned into what / where / what to do."""

from datetime import UTC, datetime

import pytest

from evaluator.intake.fetch_errors import explain_fetch_failure, shown_url
from evaluator.intake.source import Source
from evaluator.pipeline import EvaluationRequest, error_report

NOT_A_REPO = (
    "fatal: '/srv/x' does not appear to be a git repository\n"
    "fatal: Could not read from remote repository.\n\n"
    "Please make sure you have the correct access rights\nand the repository exists.\n"
)


@pytest.mark.parametrize(
    ("stderr", "url", "ref", "message", "hint"),
    [
        (
            "fatal: repository 'https://h.example/o/r.git/' not found\n",
            "https://h.example/o/r.git",
            None,
            "https://h.example/o/r.git is not a git repository, or it does not exist",
            "check the URL",
        ),
        (
            NOT_A_REPO,
            "ssh://git@h.example/o/r.git",
            None,
            "is not a git repository, or it does not exist",
            "check the URL",
        ),
        (
            "warning: Could not find remote branch v9 to clone.\n"
            "fatal: Remote branch v9 not found in upstream origin\n",
            "https://h.example/o/r.git",
            "v9",
            "https://h.example/o/r.git has no branch, tag or commit named v9",
            "git ls-remote",
        ),
        (
            "fatal: remote error: upload-pack: not our ref 0123abcd\n",
            "file:///srv/r",
            "0123abcd",
            "has no branch, tag or commit named 0123abcd",
            "git ls-remote",
        ),
        (
            "fatal: unable to access 'https://no.invalid/a.git/': Could not resolve host: "
            "no.invalid\n",
            "https://no.invalid/a.git",
            None,
            "cannot reach the server of https://no.invalid/a.git (unable to access",
            "proxy",
        ),
        (
            "ssh: connect to host 127.0.0.1 port 9: Connection refused\n"
            "fatal: Could not read from remote repository.\n",
            "ssh://git@127.0.0.1:9/a.git",
            None,
            "cannot reach the server of ssh://***@127.0.0.1:9/a.git (ssh: connect to host",
            "network",
        ),
        (
            "fatal: could not read Username for 'https://github.com': terminal prompts disabled\n",
            "https://github.com/o/private.git",
            None,
            "needs credentials the evaluator does not have",
            "token",
        ),
        (
            "remote: Permission denied (publickey).\nfatal: Could not read from remote "
            "repository.\n",
            "git@github.com:o/r.git",
            None,
            "needs credentials",
            "ssh agent",
        ),
        (
            "fatal: unable to access 'https://h/': SSL certificate problem: self-signed "
            "certificate\n",
            "https://h/r.git",
            None,
            "TLS certificate is not trusted",
            "GIT_SSL_CAINFO",
        ),
        ("fatal: transport 'ext' not allowed\n", "https://h/r", None, "refused", "https://"),
        (
            "fatal: something nobody foresaw\n",
            "https://h/r.git",
            "main",
            "could not fetch https://h/r.git at main: something nobody foresaw",
            "check the URL",
        ),
    ],
)
def test_each_failure_says_what_where_and_what_to_do(stderr, url, ref, message, hint):
    error = explain_fetch_failure(stderr, url=url, ref=ref)
    assert message in error.message
    assert hint in (error.hint or "")
    assert "and the repository exists" not in error.message


def test_file_url_of_a_plain_folder_says_to_give_the_path(tmp_path):
    error = explain_fetch_failure(NOT_A_REPO, url=f"file://{tmp_path}", ref=None)
    assert error.message == f"{tmp_path} is a folder but not a git repository"
    assert f"give its path ({tmp_path})" in (error.hint or "")
    missing = explain_fetch_failure(NOT_A_REPO, url=f"file://{tmp_path}/gone", ref=None)
    assert missing.message == f"there is no folder {tmp_path}/gone on this machine"


def test_credentials_never_appear_in_messages():
    assert shown_url("https://user:s3cret@h/o/r.git") == "https://***@h/o/r.git"
    assert shown_url("https://ghp_token@h/o/r.git") == "https://***@h/o/r.git"
    assert shown_url("git@github.com:o/r.git") == "git@github.com:o/r.git"
    error = explain_fetch_failure(
        "fatal: Authentication failed\n", url="https://x:s3cret@h/o/r.git", ref=None
    )
    assert "s3cret" not in error.message


def test_credentials_stay_out_of_the_report():
    request = EvaluationRequest(source=Source(location="https://ghp_s3cret@h/o/r.git"))
    report = error_report(request, "could not fetch", datetime.now(UTC))
    assert report.source.location == "https://***@h/o/r.git"
