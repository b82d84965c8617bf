"""The evaluator's optional config file, ``capstone-eval.toml``.

Read once, by :func:`evaluator.config.load_config`: from ``CAPSTONE_EVAL_CONFIG`` when
set, else ``capstone-eval.toml`` in the current folder when there is one. Each table
belongs to one part of the evaluator; unknown keys are errors (a typo must not be
silently ignored). Environment variables override the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from evaluator.documents import DocumentError, parse_toml
from evaluator.errors import ConfigError
from evaluator.model.base import FrozenModel
from evaluator.review.settings import ReviewSettings

CONFIG_ENV = "CAPSTONE_EVAL_CONFIG"
CONFIG_NAME = "capstone-eval.toml"


class ConfigFile(FrozenModel):
    """The tables of ``capstone-eval.toml``."""

    review: ReviewSettings = Field(
        default_factory=ReviewSettings, description="The LLM review (see ReviewSettings)."
    )


def config_file_path(env: Mapping[str, str], cwd: Path) -> Path | None:
    """The config file to read: ``CAPSTONE_EVAL_CONFIG``, else ./capstone-eval.toml if present."""
    named = env.get(CONFIG_ENV)
    if named:
        return Path(named)
    local = cwd / CONFIG_NAME
    return local if local.is_file() else None


def _parse(path: Path) -> dict[str, Any]:
    try:
        return parse_toml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"cannot read the config file {path}: {exc.strerror}",
            hint=f"fix the path in {CONFIG_ENV} or unset it",
        ) from None
    except (DocumentError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def read_config_file(path: Path | None) -> ConfigFile:
    """The validated config file; defaults when ``path`` is None."""
    if path is None:
        return ConfigFile()
    data = _parse(path)
    review = data.get("review")
    if isinstance(review, dict) and "api_key" in review:
        raise ConfigError(
            f"{path}: review.api_key is not read from files",
            hint="set CAPSTONE_EVAL_LLM_API_KEY (or the provider's own variable) instead",
        )
    try:
        return ConfigFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{path}: {where}: {first['msg']}",
            hint="see the README's configuration table for the keys and their defaults",
        ) from None
