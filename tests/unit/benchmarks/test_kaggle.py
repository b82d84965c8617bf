"""Kaggle: leaderboard percentile (CSV and API), internal competitions with their claims."""

from __future__ import annotations

import base64
import io
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from evaluator.benchmarks.data.importer import import_dataset
from evaluator.benchmarks.definition import Direction, load_definition
from evaluator.benchmarks.kaggle.leaderboard import parse_leaderboard, standing
from evaluator.benchmarks.kaggle.runner import run_internal, run_leaderboard
from evaluator.benchmarks.kaggle.sources import (
    ExportedLeaderboards,
    KaggleApi,
    KaggleCredentials,
    leaderboard_source,
)
from evaluator.benchmarks.kaggle.submission import SubmissionInvalid, Table, score_submission
from evaluator.benchmarks.scoring.claim_report import with_claims
from evaluator.config import kaggle_credentials
from evaluator.errors import ConfigError
from evaluator.intake.manifest import BenchmarkEntry, KaggleEntry
from evaluator.model.report import Status

# As Kaggle's Leaderboard tab exports it (no Rank column in the classic export).
CLASSIC = """\
TeamId,TeamName,SubmissionDate,Score
11,Alpha,2024-01-01 10:00:00,0.91
12,Beta,2024-01-01 10:00:00,0.85
13,Gamma,2024-01-01 10:00:00,0.85
14,Delta,2024-01-01 10:00:00,0.80
15,Epsilon,2024-01-01 10:00:00,
"""


def many_teams(n: int, *, lower_better: bool = False) -> str:
    rows = ["Rank,TeamId,TeamName,LastSubmissionDate,Score,SubmissionCount,TeamMemberUserNames"]
    for i in range(1, n + 1):
        score = i * 0.1 if lower_better else 1.0 - i / (n + 1)
        rows.append(f"{i},{100 + i},team {i},2024-01-01,{score:.6f},3,user{i},other{i}")
    return "\n".join(rows) + "\n"


def test_ties_share_the_best_rank_and_blank_scores_are_not_teams() -> None:
    teams = parse_leaderboard(CLASSIC)
    assert len(teams) == 4
    beta = standing(teams, "Beta", Direction.HIGHER)
    gamma = standing(teams, "gamma", Direction.HIGHER)  # names match case-insensitively
    assert beta is not None and gamma is not None
    assert (beta.rank, gamma.rank) == (2, 2)
    delta = standing(teams, "14", Direction.HIGHER)  # team id
    assert delta is not None and delta.rank == 4 and delta.percentile == 100.0
    lower = standing(teams, "Delta", Direction.LOWER)
    assert lower is not None and lower.rank == 1
    assert standing(teams, "Nobody", Direction.HIGHER) is None


def test_top_ten_percent_is_rank_at_most_ceil_of_a_tenth() -> None:
    teams = parse_leaderboard(many_teams(105))
    eleventh = standing(teams, "team 11", Direction.HIGHER)
    twelfth = standing(teams, "user12", Direction.HIGHER)  # member user name
    assert eleventh is not None and twelfth is not None
    assert eleventh.percentile > 10.0  # 11/105, yet within ceil(10.5) = 11
    assert eleventh.within_top(10.0)
    assert not twelfth.within_top(10.0)


def test_not_a_leaderboard() -> None:
    with pytest.raises(ConfigError, match="not a Kaggle leaderboard"):
        parse_leaderboard("a,b\n1,2\n")


def test_leaderboard_check_uses_the_rank_column_for_direction(tmp_path: Path) -> None:
    definition = load_definition("kaggle")
    folder = tmp_path / "kaggle"
    folder.mkdir()
    # Lower scores rank first here; the Rank column says so even though the slug is unknown.
    (folder / "error-comp.csv").write_text(many_teams(50, lower_better=True))
    entry = BenchmarkEntry(kaggle=KaggleEntry(competition="error-comp", team="team 5"))
    result = run_leaderboard(definition, entry, ExportedLeaderboards(folder=folder), 10.0)
    assert result.status is Status.PASS, result.summary
    assert result.metrics["rank"] == 5 and result.metrics["teams"] == 50
    assert result.metrics["percentile"] == 10.0
    assert result.details["reproducibility"]["direction"] == "lower"
    missing = BenchmarkEntry(kaggle=KaggleEntry(competition="error-comp", team="ghosts"))
    absent = run_leaderboard(definition, missing, ExportedLeaderboards(folder=folder), 10.0)
    assert absent.status is Status.FAIL and absent.details["failure"] == "team-not-found"
    with pytest.raises(ConfigError, match="data import kaggle"):
        ExportedLeaderboards(folder=folder).leaderboard_csv("titanic")


def test_import_leaderboard_zip_takes_the_slug_from_the_name(tmp_path: Path) -> None:
    archive = tmp_path / "titanic-publicleaderboard.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("titanic-publicleaderboard-2024-01-01T00:00:00.csv", CLASSIC)
    result = import_dataset("kaggle", archive, tmp_path / "data")
    assert result.count == 4 and result.path.name == "titanic.csv"


class _Kaggle(BaseHTTPRequestHandler):
    expected = "Basic " + base64.b64encode(b"ada:secret-key").decode()

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != self.expected:
            self.send_response(401)
            self.end_headers()
            return
        if self.path != "/api/v1/competitions/titanic/leaderboard/download":
            self.send_response(404)
            self.end_headers()
            return
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr("titanic-publicleaderboard.csv", CLASSIC)
        body = buffer.getvalue()
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def kaggle_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Kaggle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v1"
    server.shutdown()
    server.server_close()


def test_kaggle_api_is_used_when_credentials_are_configured(
    kaggle_server: str, tmp_path: Path
) -> None:
    credentials = kaggle_credentials({"KAGGLE_USERNAME": "ada", "KAGGLE_KEY": "secret-key"})
    assert credentials is not None and "secret" not in repr(credentials)
    source = leaderboard_source(credentials, tmp_path, kaggle_server)
    assert isinstance(source, KaggleApi)
    entry = BenchmarkEntry(kaggle=KaggleEntry(competition="titanic", team="Alpha"))
    result = run_leaderboard(load_definition("kaggle"), entry, source, 10.0)
    assert result.status is Status.PASS and result.metrics["rank"] == 1
    assert result.details["reproducibility"]["leaderboard"] == "Kaggle API"
    wrong = KaggleApi(
        credentials=KaggleCredentials(username="ada", key="nope"), base_url=kaggle_server
    )
    with pytest.raises(ConfigError, match="401") as caught:
        wrong.leaderboard_csv("titanic")
    assert caught.value.hint is not None and "KAGGLE_KEY" in caught.value.hint


def test_no_credentials_means_exported_csv(tmp_path: Path) -> None:
    assert kaggle_credentials({"HOME": str(tmp_path)}) is None
    assert isinstance(leaderboard_source(None, tmp_path), ExportedLeaderboards)
    (tmp_path / "kaggle.json").write_text('{"username": "ada", "key": "k"}')
    found = kaggle_credentials({"KAGGLE_CONFIG_DIR": str(tmp_path)})
    assert found == KaggleCredentials(username="ada", key="k")


SOLUTION = Table(ids=["1", "2", "3", "4"], values=["0", "1", "1", "0"])


@pytest.mark.parametrize(
    ("metric", "values", "expected"),
    [
        ("accuracy", ["0", "1", "0", "0"], 0.75),
        ("accuracy", ["0.0", "1.0", "1", "0"], 1.0),
        ("f1", ["0", "1", "0", "0"], 2 / 3),
        ("auc", ["0.1", "0.9", "0.8", "0.3"], 1.0),
        ("rmse", ["0", "1", "0", "0"], 0.5),
        ("rmsle", ["0", "1", "1", "0"], 0.0),
    ],
)
def test_internal_competition_metrics(metric: str, values: list[str], expected: float) -> None:
    # Ids come in another order than the solution's: they are aligned by id.
    submission = Table(ids=["4", "3", "2", "1"], values=values[::-1])
    assert score_submission(metric, SOLUTION, submission) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ids", "values", "words"),
    [
        (["1", "2", "3"], ["0", "1", "1"], "1 missing"),
        (["1", "2", "3", "4", "4"], ["0"] * 5, "more than once"),
        (["1", "2", "3", "9"], ["0"] * 4, "1 unknown"),
        (["1", "2", "3", "4"], ["0", "x", "1", "0"], "non-numeric"),
        (["1", "2", "3", "4"], ["0", "-1", "1", "0"], "non-negative"),
    ],
)
def test_bad_submissions_say_why(ids: list[str], values: list[str], words: str) -> None:
    metric = "rmsle" if "non-negative" in words else "rmse"
    with pytest.raises(SubmissionInvalid, match=words):
        score_submission(metric, SOLUTION, Table(ids=ids, values=values))


def test_internal_competition_end_to_end_with_claim(tmp_path: Path) -> None:
    definition = load_definition("titanic-holdout")
    solution = tmp_path / "solution.csv"
    solution.write_text("PassengerId,Survived\n" + "".join(f"{i},{i % 2}\n" for i in range(100)))
    import_dataset("titanic-holdout", solution, tmp_path / "data")
    repo = tmp_path / "repo"
    repo.mkdir()
    # 80 of 100 right; the README claims 95%.
    rows = "".join(f"{i},{i % 2 if i < 80 else 1 - i % 2}\n" for i in range(100))
    (repo / "submission.csv").write_text("PassengerId,Survived\n" + rows)
    (repo / "README.md").write_text(
        "# Titanic\n\nOur model reaches an accuracy of 95% on the test set.\n"
    )
    entry = BenchmarkEntry(submission="submission.csv")
    assert definition.competition is not None
    result = run_internal(definition, definition.competition, entry, repo, tmp_path / "data", 0.75)
    result = with_claims(result, definition, repo, entry)
    assert result.status is Status.PASS and result.metrics["accuracy"] == pytest.approx(0.8)
    [claim] = result.details["claims"]
    assert claim["claimed"] == pytest.approx(0.95) and claim["flagged"] is True
    assert [(f.code, f.line) for f in result.findings] == [("claim-gap", 3)]
    (repo / "submission.csv").write_text("PassengerId,Survived\n1,0\n")
    short = run_internal(definition, definition.competition, entry, repo, tmp_path / "data", 0.75)
    assert short.status is Status.FAIL and short.details["failure"] == "invalid-predictions"


def test_missing_solution_tells_how_to_import(tmp_path: Path) -> None:
    definition = load_definition("titanic-holdout")
    assert definition.competition is not None
    entry = BenchmarkEntry(submission="submission.csv")
    with pytest.raises(ConfigError) as caught:
        run_internal(definition, definition.competition, entry, tmp_path, tmp_path / "d", 0.75)
    assert "capstone-eval data import titanic-holdout" in str(caught.value.hint)
