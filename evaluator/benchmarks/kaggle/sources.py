"""Where a competition's leaderboard comes from: the Kaggle API, or an exported CSV.

The Kaggle API is used only when credentials are configured; otherwise the
operator imports the CSV that Kaggle's Leaderboard tab exports
(``capstone-eval data import kaggle PATH``), stored as ``<slug>.csv``.
"""

from __future__ import annotations

import base64
import io
import re
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from evaluator.errors import ConfigError, UsageError

KAGGLE_API = "https://www.kaggle.com/api/v1"
MAX_LEADERBOARD_BYTES = 64 * 1024 * 1024
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


@dataclass(frozen=True, kw_only=True)
class KaggleCredentials:
    """A Kaggle user name and API key (from KAGGLE_USERNAME/KAGGLE_KEY or kaggle.json)."""

    username: str
    key: str

    def __repr__(self) -> str:
        return f"KaggleCredentials(username={self.username!r}, key=***)"


class LeaderboardSource(Protocol):
    """Returns a competition's leaderboard as Kaggle's CSV export text."""

    @property
    def description(self) -> str:
        """Where the leaderboard comes from, for the reproducibility record."""
        ...

    def leaderboard_csv(self, competition: str) -> str:
        """The CSV text; raise :class:`~evaluator.errors.EvaluatorError` when unavailable."""
        ...


def check_slug(competition: str) -> str:
    """A competition slug as Kaggle spells them (lower case, digits, dashes)."""
    if not _SLUG.match(competition):
        raise UsageError(f"{competition!r} is not a Kaggle competition slug (e.g. 'titanic')")
    return competition


def _csv_from(data: bytes) -> str:
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if not names:
                raise ConfigError("the leaderboard archive holds no CSV file")
            data = archive.read(names[0])
    return data.decode("utf-8", errors="replace")


@dataclass(frozen=True, kw_only=True)
class ExportedLeaderboards:
    """Leaderboard CSVs the operator imported into ``folder`` as ``<slug>.csv``."""

    folder: Path
    description: str = "imported leaderboard CSV"

    def leaderboard_csv(self, competition: str) -> str:
        """Read ``<folder>/<slug>.csv``."""
        path = self.folder / f"{check_slug(competition)}.csv"
        if not path.is_file():
            raise ConfigError(
                f"no leaderboard for competition {competition!r} (looked for {path})",
                hint="download the leaderboard CSV from Kaggle and run "
                "`capstone-eval data import kaggle PATH`, or configure KAGGLE_USERNAME "
                "and KAGGLE_KEY",
            )
        return path.read_text(encoding="utf-8", errors="replace")


@dataclass(frozen=True, kw_only=True)
class KaggleApi:
    """Kaggle's REST API: ``GET /competitions/{slug}/leaderboard/download`` (a zipped CSV)."""

    credentials: KaggleCredentials
    base_url: str = KAGGLE_API
    timeout_s: float = 30.0
    description: str = "Kaggle API"

    def leaderboard_csv(self, competition: str) -> str:
        """Download the public leaderboard with HTTP basic authentication."""
        slug = urllib.parse.quote(check_slug(competition))
        url = f"{self.base_url.rstrip('/')}/competitions/{slug}/leaderboard/download"
        token = f"{self.credentials.username}:{self.credentials.key}".encode()
        request = urllib.request.Request(  # noqa: S310 - https URL from configuration
            url, headers={"Authorization": "Basic " + base64.b64encode(token).decode()}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                data = response.read(MAX_LEADERBOARD_BYTES + 1)
        except urllib.error.HTTPError as exc:
            hint = (
                "check KAGGLE_USERNAME and KAGGLE_KEY"
                if exc.code in (401, 403)
                else "check the competition slug in capstone.yaml"
            )
            raise ConfigError(
                f"Kaggle API answered {exc.code} for the {competition!r} leaderboard", hint=hint
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise ConfigError(
                f"cannot reach the Kaggle API at {self.base_url}: {exc}",
                hint="import the leaderboard CSV instead: capstone-eval data import kaggle PATH",
            ) from None
        if len(data) > MAX_LEADERBOARD_BYTES:
            raise ConfigError(f"the {competition!r} leaderboard is larger than expected")
        return _csv_from(data)


def leaderboard_source(
    credentials: KaggleCredentials | None, data_dir: Path, api_url: str = KAGGLE_API
) -> LeaderboardSource:
    """The Kaggle API when credentials are configured, else the imported CSVs."""
    if credentials is not None:
        return KaggleApi(credentials=credentials, base_url=api_url)
    return ExportedLeaderboards(folder=data_dir / "kaggle")


def import_leaderboard(path: Path, data_dir: Path, competition: str | None) -> tuple[Path, str]:
    """Store an exported leaderboard (CSV or Kaggle's zip) as ``<data_dir>/kaggle/<slug>.csv``."""
    slug = competition or re.split(r"-(public|private)leaderboard", path.name)[0]
    slug = check_slug(slug.removesuffix(".csv").removesuffix(".zip").lower())
    text = _csv_from(path.read_bytes()[: MAX_LEADERBOARD_BYTES + 1])
    folder = data_dir / "kaggle"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{slug}.csv"
    target.write_text(text, encoding="utf-8")
    return target, slug
