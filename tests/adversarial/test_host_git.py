"""No git configuration, hook, attribute or filter of a learner repository runs on the host.

Each hostile repository arms one hazard that writes a marker file when it runs;
the repository is then fetched the ways the evaluator fetches: as a local folder
(read as files, no git at all) and as a clone (the safe git environment), at
the default branch, a branch and a commit. The marker folder stays empty.
"""

from __future__ import annotations

import json
import shutil

import pytest

from evaluator.config import WorkspaceLimits
from evaluator.errors import SourceError
from evaluator.intake.source import Source, fetch, with_local_changes
from evaluator.intake.workspace import copy_workspace
from tests.adversarial.hostile import HAZARDS, HONEST_FILES, arm, committed_repo, git
from tests.integration.test_cli import cli


@pytest.fixture
def markers(tmp_path):
    folder = tmp_path / "markers"
    folder.mkdir()
    return folder


def _armed(tmp_path, hazard, markers):
    repo = committed_repo(tmp_path / f"repo-{hazard}", {"a.py": "x = 1\n"})
    git(repo, "branch", "attempt-2")
    arm(repo, hazard, markers)
    return repo


@pytest.mark.parametrize("hazard", HAZARDS)
def test_local_folder_is_read_without_git(tmp_path, hazard, markers):
    repo = _armed(tmp_path, hazard, markers)
    (repo / "a.py").write_text("x = 2\n")  # a change: git status would consult fsmonitor
    fetched = fetch(Source(location=str(repo)), tmp_path / "s")
    workspace = copy_workspace(fetched.tree, tmp_path / "ws", WorkspaceLimits())
    info = with_local_changes(fetched, workspace).info
    assert info.commit == git(repo, "rev-parse", "HEAD")
    assert info.dirty is True
    assert list(markers.iterdir()) == []


@pytest.mark.parametrize("hazard", HAZARDS)
@pytest.mark.parametrize("ref", [None, "attempt-2", "commit"])
def test_clone_runs_nothing_from_the_repository(tmp_path, hazard, ref, markers):
    repo = _armed(tmp_path, hazard, markers)
    if ref == "commit":
        ref = git(repo, "rev-parse", "HEAD")
    fetched = fetch(Source(location=f"file://{repo}", ref=ref), tmp_path / "s")
    assert (fetched.tree / "a.py").read_text() == "x = 1\n"
    assert fetched.info.commit == git(repo, "rev-parse", ref or "HEAD")
    assert list(markers.iterdir()) == []


@pytest.mark.parametrize(
    ("location", "ref", "message"),
    [
        ("ext::sh -c touch% {m}/ext", None, "ext:: addresses are refused"),
        ("fd::3", None, "fd:: addresses are refused"),
        ("--upload-pack=touch {m}/upload-pack", None, "no such path"),
        ("file://{repo}", "--upload-pack=touch {m}/upload-pack", "not a valid branch"),
        ("ssh://-oProxyCommand=touch% {m}/proxy/x", None, "cannot start with '-'"),
        ("git@-oProxyCommand:repo", None, "cannot start with '-'"),
        ("ftp://127.0.0.1/repo.git", None, "ftp:// URLs are not supported"),
    ],
)
def test_command_transports_and_option_injection_are_refused(
    tmp_path, location, ref, message, markers
):
    repo = committed_repo(tmp_path / "repo", {"a.py": "x\n"})
    source = Source(
        location=location.format(m=markers, repo=repo),
        ref=ref.format(m=markers) if ref else None,
    )
    with pytest.raises(SourceError, match=message):
        fetch(source, tmp_path / "s")
    assert list(markers.iterdir()) == []


@pytest.mark.docker
@pytest.mark.slow
def test_evaluate_armed_folder_and_clone_end_to_end(tmp_path, markers, engine):
    """The full evaluation of a repository armed with every hazard: the report is the
    honest twin's, and nothing ran on the host."""
    honest = committed_repo(tmp_path / "honest", HONEST_FILES)
    hostile = committed_repo(tmp_path / "hostile", HONEST_FILES)
    for hazard in HAZARDS:
        arm(hostile, hazard, markers)
    verdicts = {}
    for name, location in [
        ("honest", str(honest)),
        ("folder", str(hostile)),
        ("clone", f"file://{hostile}"),
    ]:
        out = tmp_path / f"out-{name}"
        done = cli("evaluate", location, "--out", str(out), "-q")
        assert done.returncode in (0, 1), done.stderr
        report = json.loads((out / "report.json").read_text())
        verdicts[name] = {c["id"]: c["status"] for c in report["checks"] if c["id"] != "workspace"}
    assert verdicts["folder"] == verdicts["clone"] == verdicts["honest"]
    assert verdicts["honest"]["tests"] == "pass"
    assert list(markers.iterdir()) == []
    shutil.rmtree(tmp_path / "hostile")
