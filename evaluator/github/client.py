"""PyGithub clients: as the App (JWT -> an installation token narrowed to one repository),
or with a token (the Action's ``GITHUB_TOKEN``), and git settings that carry a token.

PyGithub's ``get_access_token`` cannot narrow a token to repositories, so the
token request goes through PyGithub's own requester with the documented
``repositories`` field (its docstring offers the requester for exactly this).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from github import Auth, Github, GithubIntegration
from github.GithubException import GithubException
from requests.exceptions import RequestException

from evaluator.errors import ConfigError
from evaluator.github.config import GitHubConfig
from evaluator.queue.run import RetryLater

#: What the worker may do with each token: read the code; publish the results.
READ_CONTENTS = {"contents": "read"}
PUBLISH = {"checks": "write", "pull_requests": "write"}


@dataclass(frozen=True, kw_only=True)
class InstallationToken:
    """A short-lived installation token (never shown in ``repr``)."""

    value: str = field(repr=False)
    repository: str
    permissions: dict[str, str]


def _require_app(config: GitHubConfig) -> tuple[str, str]:
    if not config.app_id or not config.private_key:
        raise ConfigError(
            "the GitHub App's id and private key are not configured",
            hint="set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY_FILE (the .pem from the App's "
            "settings) for `capstone-eval worker`",
        )
    return config.app_id, config.private_key


def installation_token(
    config: GitHubConfig, installation_id: int, repository: str, permissions: dict[str, str]
) -> InstallationToken:
    """A token of installation ``installation_id`` for ``owner/name`` only, with ``permissions``.

    GitHub unreachable or answering 5xx raises RetryLater; a refusal (App not installed
    there, permission not granted) raises ConfigError with GitHub's message.
    """
    app_id, key = _require_app(config)
    integration = GithubIntegration(auth=Auth.AppAuth(app_id, key), base_url=config.api_url)
    name = repository.split("/", 1)[1]
    try:
        _, data = integration.requester.requestJsonAndCheck(
            "POST",
            f"/app/installations/{installation_id}/access_tokens",
            input={"repositories": [name], "permissions": permissions},
        )
    except GithubException as exc:
        if exc.status >= 500:
            raise RetryLater(f"GitHub answered {exc.status} to the token request") from None
        message = exc.data.get("message") if isinstance(exc.data, dict) else exc.data
        raise ConfigError(
            f"GitHub refused a token for {repository}: {exc.status} {message}",
            hint="check that the App is installed on the repository with contents: read, "
            "checks: write and pull requests: write",
        ) from None
    except RequestException as exc:
        raise RetryLater(f"GitHub could not be reached: {type(exc).__name__}") from None
    finally:
        integration.close()
    return InstallationToken(value=str(data["token"]), repository=repository,
                             permissions=dict(data.get("permissions") or permissions))  # fmt: skip


def token_client(config: GitHubConfig, token: str) -> Github:
    """A PyGithub client authenticated with ``token``, pacing its writes as GitHub asks."""
    return Github(
        auth=Auth.Token(token),
        base_url=config.api_url,
        seconds_between_writes=config.write_interval_s or None,
        seconds_between_requests=None,
        lazy=True,
    )


def auth_header_config(clone_url: str, token: str) -> tuple[tuple[str, str], ...]:
    """git settings that send ``token`` to ``clone_url``'s host only, as an HTTP header.

    They travel in git's environment (``GIT_CONFIG_*``), readable by this user
    alone: never in the URL, a command line, ``.git/config`` or the sandbox.
    """
    parts = urlsplit(clone_url)
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    scope = f"{parts.scheme}://{parts.netloc}/"
    return ((f"http.{scope}.extraHeader", f"Authorization: Basic {basic}"),)
