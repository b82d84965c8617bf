"""A private repository named as https://user:TOKEN@host/...: the token is sent as a header to
that host, never left on git's command line, in the clone's .git/config or in the logs."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest

from evaluator.config import WorkspaceLimits
from evaluator.intake.gitsafe import credentials_apart
from evaluator.intake.source import Source, fetch
from tests.adversarial.hostile import committed_repo
from tests.fake_github import fake_github, git_host

TOKEN = "ghp_private0123456789"


def test_credentials_leave_the_url_for_a_header_scoped_to_its_host() -> None:
    url, settings = credentials_apart(f"https://x-access-token:{TOKEN}@git.example/o/r.git")
    assert url == "https://git.example/o/r.git"
    ((key, value),) = settings
    assert key == "http.https://git.example/.extraHeader"
    assert base64.b64decode(value.removeprefix("Authorization: Basic ")) == (
        f"x-access-token:{TOKEN}".encode()
    )
    for plain in ("https://git.example/o/r.git", "ssh://git@git.example/o/r.git", "/tmp/r"):
        assert credentials_apart(plain) == (plain, ())  # nothing to move


def test_a_private_clone_keeps_the_token_out_of_argv_config_and_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = committed_repo(tmp_path / "src", {"app.py": "print('hi')\n"})
    with (
        fake_github(**{TOKEN: {"contents": "read"}}) as fake,
        git_host(tmp_path / "host", fake) as host,
    ):
        host.publish("learner/private", source)
        url = host.url("learner/private").replace("http://", f"http://x-access-token:{TOKEN}@")
        with caplog.at_level(logging.DEBUG, logger="evaluator"):
            fetched = fetch(Source(location=url), tmp_path / "scratch", WorkspaceLimits())
        assert (fetched.tree / "app.py").read_text() == "print('hi')\n"
        assert TOKEN not in fetched.info.location
        fetches = [auth for _method, path, auth in host.seen if "upload-pack" in path]
        expected = "Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
        assert fetches and set(fetches) == {expected}  # sent at once, as the header
    assert "git" in caplog.text and TOKEN not in caplog.text  # the logged command lines
    config = (fetched.tree / ".git" / "config").read_text()
    assert "127.0.0.1" in config and TOKEN not in config
