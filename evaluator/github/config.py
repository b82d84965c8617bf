"""Settings of the GitHub App and Action (pure data; ``evaluator.config.load_config`` fills
them). Secrets are kept out of ``repr`` so a logged configuration never shows them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.errors import ConfigError

DEFAULT_API_URL = "https://api.github.com"
MIB = 1024**2


@dataclass(frozen=True, kw_only=True)
class GitHubConfig:
    """How the evaluator talks to GitHub."""

    api_url: str = DEFAULT_API_URL
    """REST API base URL (GITHUB_API_URL; GitHub Enterprise: https://HOST/api/v3)."""
    app_id: str | None = None
    """The GitHub App's id (GITHUB_APP_ID)."""
    private_key: str | None = field(default=None, repr=False)
    """The App's PEM private key (GITHUB_APP_PRIVATE_KEY, or GITHUB_APP_PRIVATE_KEY_FILE)."""
    webhook_secret: str | None = field(default=None, repr=False)
    """Secret that signs webhook deliveries (GITHUB_WEBHOOK_SECRET); ``serve`` requires it."""
    check_name: str = "capstone-evaluator"
    """Name of the check run on each commit."""
    write_interval_s: float = 1.0
    """Pause between write requests, as GitHub asks of integrations
    (CAPSTONE_EVAL_GITHUB_WRITE_INTERVAL_S)."""
    max_body_bytes: int = 5 * MIB
    """Largest webhook body accepted (CAPSTONE_EVAL_WEBHOOK_MAX_BYTES); larger gets 413."""
    report_url: str | None = None
    """Base URL where job report folders are served; comments link ``<base>/<job id>/report.html``
    (CAPSTONE_EVAL_REPORT_URL)."""


def _number(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a number", hint=f"unset {key}") from None
    if value < 0:
        raise ConfigError(f"{key}={raw!r} must not be negative", hint=f"unset {key}")
    return value


def _private_key(env: Mapping[str, str]) -> str | None:
    if env.get("GITHUB_APP_PRIVATE_KEY"):
        return env["GITHUB_APP_PRIVATE_KEY"]
    path = env.get("GITHUB_APP_PRIVATE_KEY_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read GITHUB_APP_PRIVATE_KEY_FILE {path}: {exc.strerror}",
            hint="point it at the .pem file downloaded from the App's settings page",
        ) from None


def load_github_config(env: Mapping[str, str]) -> GitHubConfig:
    """The GitHub settings from the environment (``GITHUB_*``, ``CAPSTONE_EVAL_*``)."""
    base = GitHubConfig()
    return GitHubConfig(
        api_url=(env.get("GITHUB_API_URL") or base.api_url).rstrip("/"),
        app_id=env.get("GITHUB_APP_ID") or None,
        private_key=_private_key(env),
        webhook_secret=env.get("GITHUB_WEBHOOK_SECRET") or None,
        check_name=env.get("CAPSTONE_EVAL_CHECK_NAME") or base.check_name,
        write_interval_s=_number(
            env, "CAPSTONE_EVAL_GITHUB_WRITE_INTERVAL_S", base.write_interval_s
        ),
        max_body_bytes=int(_number(env, "CAPSTONE_EVAL_WEBHOOK_MAX_BYTES", base.max_body_bytes)),
        report_url=(env.get("CAPSTONE_EVAL_REPORT_URL") or "").rstrip("/") or None,
    )
