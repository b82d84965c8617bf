"""Every way a fetch fails says what is wrong, where, and what to do (real git, real HTTP)."""

from __future__ import annotations

import socket

import pytest

from evaluator.errors import SourceError
from evaluator.intake.source import Source, fetch
from tests.adversarial.hostile import committed_repo, git, git_server
from tests.integration.test_cli import cli


def _error(tmp_path, location, ref=None) -> SourceError:
    with pytest.raises(SourceError) as info:
        fetch(Source(location=location, ref=ref), tmp_path / "s")
    assert "and the repository exists" not in info.value.message
    assert info.value.hint
    return info.value


@pytest.mark.docker
def test_file_url_of_a_folder_that_is_no_repository_says_give_the_path(tmp_path, engine):
    done = cli("evaluate", "file:///etc", "--out", str(tmp_path / "out"), "-q")
    assert done.returncode == 2
    assert "error: /etc is a folder but not a git repository" in done.stderr
    assert "give its path (/etc) instead of a file:// URL" in done.stderr
    assert "and the repository exists" not in done.stderr


def test_missing_branch_and_commit(tmp_path):
    repo = committed_repo(tmp_path / "r", {"a.py": "x\n"})
    error = _error(tmp_path, f"file://{repo}", "no-such-branch")
    assert error.message == f"file://{repo} has no branch, tag or commit named no-such-branch"
    error = _error(tmp_path, f"file://{repo}", "0" * 40)
    assert "has no branch, tag or commit named 0000000000" in error.message


def test_repository_without_commits(tmp_path):
    (tmp_path / "empty").mkdir()
    git(tmp_path / "empty", "init", "-q")
    error = _error(tmp_path, f"file://{tmp_path / 'empty'}")
    assert error.message == f"file://{tmp_path / 'empty'} has no commits"


@pytest.mark.parametrize(
    ("behaviour", "message", "hint"),
    [
        ("401", "needs credentials the evaluator does not have", "read-only token"),
        ("403", "needs credentials the evaluator does not have", "ssh agent"),
        ("404", "is not a git repository, or it does not exist", "check the URL"),
    ],
)
def test_server_refusals(tmp_path, behaviour, message, hint):
    with git_server(tmp_path, behaviour=behaviour) as server:
        error = _error(tmp_path, server.url("owner/repo.git"))
    assert error.message.startswith(server.url("owner/repo.git"))
    assert message in error.message
    assert hint in (error.hint or "")


def test_unreachable_host(tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    error = _error(tmp_path, f"http://127.0.0.1:{port}/r.git")
    assert error.message.startswith(f"cannot reach the server of http://127.0.0.1:{port}/r.git")
    assert "network" in (error.hint or "")


def test_token_in_the_url_stays_out_of_the_message(tmp_path):
    with git_server(tmp_path, behaviour="404") as server:
        location = server.url("r.git").replace("http://", "http://ghp_s3cret@")
        error = _error(tmp_path, location)
    assert "s3cret" not in str(error)
    assert "http://127.0.0.1" in error.message  # the URL as git saw it, credentials apart


def test_credentials_reach_the_server_through_the_environment_only(tmp_path):
    committed_repo(tmp_path / "served" / "private.git", {"a.py": "x\n"})
    header = "Basic eC1hY2Nlc3MtdG9rZW46czNjcmV0"
    with git_server(tmp_path / "served", behaviour=f"auth:{header}") as server:
        _error(tmp_path, server.url("private.git"))  # no credentials: refused
        source = Source(
            location=server.url("private.git"),
            git_config=(("http.extraHeader", f"Authorization: {header}"),),
        )
        fetched = fetch(source, tmp_path / "s2")
    assert (fetched.tree / "a.py").read_text() == "x\n"
    assert header not in fetched.info.model_dump_json()
