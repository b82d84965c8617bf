"""Evaluator configuration: one immutable object, built once and passed down.

Core logic never reads ``os.environ``; :func:`load_config` is the only place
that turns the process environment into configuration.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import SecretStr

from evaluator.benchmarks.kaggle.sources import KAGGLE_API, KaggleCredentials
from evaluator.config_file import config_file_path, read_config_file
from evaluator.errors import ConfigError
from evaluator.github.config import GitHubConfig, load_github_config
from evaluator.queue.config import QueueConfig, load_queue_config
from evaluator.review.settings import ENV_API_BASE, ENV_API_KEY, ENV_MODEL, ReviewSettings

GIB = 1024**3
MIB = 1024**2

#: Default ruff rule selection used to lint learner code. It mirrors what the
#: programme teaches at level 1: correctness (F, E9), style (E, W), imports (I),
#: bug-prone patterns (B) and modern syntax (UP). Learner configuration is ignored
#: (``--isolated``) so the rules cannot be switched off from inside the submission.
DEFAULT_LINT_RULES: tuple[str, ...] = ("E", "W", "F", "I", "B", "UP")


@dataclass(frozen=True, kw_only=True)
class SandboxLimits:
    """Resource limits of one sandbox run."""

    memory_bytes: int = 2 * GIB
    """Memory limit; memory+swap is set to the same value, so there is no swap."""
    cpus: float = 1.0
    """CPU quota in cores."""
    pids: int = 256
    """Maximum number of processes and threads."""
    wall_s: float = 600.0
    """Wall-clock limit of one run, in seconds."""
    output_bytes: int = 1 * MIB
    """Captured output per stream (stdout, stderr); the tail is kept."""
    tmpfs_bytes: int = 512 * MIB
    """Size of the writable /tmp."""
    tmp_files: int = 100_000
    """Files and folders /tmp can hold."""
    workspace_bytes: int = 512 * MIB
    """Size of the writable /workspace (the submission's copy plus what learner code writes)."""
    workspace_files: int = 100_000
    """Files and folders /workspace can hold."""
    results_bytes: int = 128 * MIB
    """Result files a run may hand back, in total (/results is bounded to this size; a
    language model's audit rows over a 50k vocabulary take tens of MiB)."""
    result_file_bytes: int = 64 * MIB
    """Largest single result file handed back; a larger one is the learner's failure."""
    results_files: int = 1000
    """Most result files handed back."""


@dataclass(frozen=True, kw_only=True)
class WorkspaceLimits:
    """Limits on the submission: checked on a clone's tree before checkout, and on the copy."""

    max_bytes: int = 200 * MIB
    max_files: int = 20_000
    max_dirs: int = 10_000
    """Folders count too: 100,000 empty folders cost as many inodes as files."""
    max_depth: int = 64
    """Deepest folder nesting (``a/b/c.py`` is 2 deep)."""
    fetch_bytes: int = 300 * MIB
    """What a clone may download (a commit ref may need history besides the tree)."""
    fetch_timeout_s: float = 300.0
    """Wall-clock limit of each git command that fetches or checks out a clone."""


#: Host environment variables git may see when it clones (proxies, CA files, the
#: ssh agent and command): nothing else of the host's environment reaches it.
GIT_HOST_ENV = (
    "PATH", "HOME", "LANG", "LC_ALL", "SSH_AUTH_SOCK", "GIT_SSH_COMMAND", "GIT_SSL_CAINFO",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy",
    "https_proxy", "no_proxy", "ALL_PROXY", "all_proxy",
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class EvaluatorConfig:
    """Everything an evaluation needs to know that is not the submission itself."""

    sandbox_image: str = "capstone-evaluator/sandbox:latest"
    """Tag of the sandbox image built by ``capstone-eval sandbox setup``."""
    base_image: str | None = None
    """Base of the sandbox image [default: python:3.X-slim for the interpreter, built offline
    with debootstrap when no registry gives it] (CAPSTONE_EVAL_BASE_IMAGE)."""
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    install_limits: SandboxLimits = field(
        default_factory=lambda: SandboxLimits(memory_bytes=4 * GIB, cpus=2.0, pids=512, wall_s=900)
    )
    workspace_limits: WorkspaceLimits = field(default_factory=WorkspaceLimits)
    dependency_bytes: int = 4 * GIB
    """The most a submission's dependency wheels may unpack to: a dependency layer is written
    to the host's disk (CAPSTONE_EVAL_DEPENDENCY_MB)."""
    layers_bytes: int = 20 * GIB
    """Dependency layers kept on the host, by what each adds to the sandbox image; past it the
    least recently used are removed when a new one is built (CAPSTONE_EVAL_LAYERS_MB)."""
    wheel_cache: Path = field(
        default_factory=lambda: Path.home() / ".cache" / "capstone-evaluator" / "wheels"
    )
    """Shared cache of downloaded wheels and resolutions (CAPSTONE_EVAL_WHEEL_CACHE)."""
    resolution_max_age_s: float = 86400.0
    """How long a resolution of unchanged requirements is reused before asking the index again."""
    lint_rules: tuple[str, ...] = DEFAULT_LINT_RULES
    lint_budget: int = 10
    """The lint check passes with at most this many violations (rubrics may set their own)."""
    coverage_min: float = 60.0
    """The coverage check passes at or above this line coverage, in percent."""
    ca_bundle: Path | None = None
    """CA bundle for the host pip that resolves and downloads learner wheels (site TLS proxies)."""
    pip_index_url: str = "https://pypi.org/simple"
    """Package index learner wheels come from (CAPSTONE_EVAL_PIP_INDEX_URL)."""
    proxy_env: tuple[tuple[str, str], ...] = ()
    """HTTP(S)_PROXY / NO_PROXY of the evaluator's environment, passed to the host pip only."""
    docker_host: str | None = None
    """Docker engine address; None uses the SDK's default."""
    data_dir: Path = field(
        default_factory=lambda: Path.home() / ".local" / "share" / "capstone-evaluator" / "data"
    )
    """Hidden benchmark data imported with ``capstone-eval data import`` (CAPSTONE_EVAL_DATA)."""
    kaggle: KaggleCredentials | None = None
    """Kaggle API credentials (KAGGLE_USERNAME/KAGGLE_KEY or kaggle.json); None: CSV exports."""
    kaggle_api_url: str = KAGGLE_API
    """Base URL of the Kaggle API (CAPSTONE_EVAL_KAGGLE_API)."""
    review: ReviewSettings = field(default_factory=ReviewSettings)
    """The LLM review: ``[review]`` of capstone-eval.toml, CAPSTONE_EVAL_LLM_* variables."""
    git_env: tuple[tuple[str, str], ...] = ()
    """The host environment git runs with (the names in GIT_HOST_ENV that are set)."""
    queue: QueueConfig = field(default_factory=QueueConfig)
    """The job queue of ``serve`` and ``worker`` (CAPSTONE_EVAL_QUEUE_URL, ...)."""
    github: GitHubConfig = field(default_factory=GitHubConfig)
    """The GitHub App and Action (GITHUB_APP_ID, GITHUB_WEBHOOK_SECRET, ...)."""
    cell_timeout_s: float = 120.0
    """How long one notebook cell may run before it is stopped (CAPSTONE_EVAL_CELL_TIMEOUT_S)."""
    database_url: str | None = None
    """SQLAlchemy URL of the results store (CAPSTONE_EVAL_DATABASE_URL), e.g.
    ``postgresql://user@host/db``; None: the SQLite file ``results_path``."""
    results_path: Path = field(
        default_factory=lambda: Path.home() / ".local" / "share" / "capstone-evaluator"
        / "results.sqlite"
    )  # fmt: skip
    """SQLite results store used when no database URL is configured."""

    @property
    def store_url(self) -> str:
        """Where evaluations are stored: the configured URL, else the SQLite file."""
        return self.database_url or f"sqlite:///{self.results_path}"


def kaggle_credentials(env: Mapping[str, str]) -> KaggleCredentials | None:
    """KAGGLE_USERNAME/KAGGLE_KEY, else kaggle.json in KAGGLE_CONFIG_DIR or ~/.kaggle."""
    if env.get("KAGGLE_USERNAME") and env.get("KAGGLE_KEY"):
        return KaggleCredentials(username=env["KAGGLE_USERNAME"], key=env["KAGGLE_KEY"])
    folder = env.get("KAGGLE_CONFIG_DIR") or (
        str(Path(env["HOME"]) / ".kaggle") if env.get("HOME") else None
    )
    path = Path(folder) / "kaggle.json" if folder else None
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return KaggleCredentials(username=str(data["username"]), key=str(data["key"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is not a Kaggle credentials file: {exc}") from None


def _positive_float(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(
            f"{key}={raw!r} is not a number", hint=f"set {key} to a positive number or unset it"
        ) from None
    if value <= 0:
        raise ConfigError(f"{key}={raw!r} must be positive", hint=f"unset {key} for the default")
    return value


def _keyless_local_server(env: Mapping[str, str], review: ReviewSettings) -> bool:
    return bool(
        review.model
        and review.model.startswith("openai/")
        and review.api_base
        and not env.get("OPENAI_API_KEY")
    )


def review_settings(env: Mapping[str, str], from_file: ReviewSettings) -> ReviewSettings:
    """The review settings of the file, overridden by the CAPSTONE_EVAL_LLM_* variables."""
    update: dict[str, object] = {}
    if env.get(ENV_MODEL):
        update["model"] = env[ENV_MODEL]
    if env.get(ENV_API_BASE):
        update["api_base"] = env[ENV_API_BASE]
    if env.get(ENV_API_KEY):
        update["api_key"] = SecretStr(env[ENV_API_KEY])
    elif _keyless_local_server(env, from_file.model_copy(update=update)):
        # Local OpenAI-compatible servers (Ollama, vLLM, llama.cpp) take no key, but the
        # OpenAI SDK refuses to send a request without one.
        update["api_key"] = SecretStr("no-key")
    if "cache_dir" not in from_file.model_fields_set and env.get("XDG_CACHE_HOME"):
        update["cache_dir"] = Path(env["XDG_CACHE_HOME"]) / "capstone-evaluator" / "review"
    return from_file.model_copy(update=update)


def load_config(env: Mapping[str, str], *, cwd: Path | None = None) -> EvaluatorConfig:
    """Build the configuration from an environment mapping (``CAPSTONE_EVAL_*``) and the
    config file (``CAPSTONE_EVAL_CONFIG``, else ``capstone-eval.toml`` in ``cwd``)."""
    base = EvaluatorConfig()
    file = read_config_file(config_file_path(env, cwd or Path.cwd()))
    limits = replace(
        base.limits,
        memory_bytes=int(
            _positive_float(env, "CAPSTONE_EVAL_MEMORY_MB", base.limits.memory_bytes / MIB) * MIB
        ),
        cpus=_positive_float(env, "CAPSTONE_EVAL_CPUS", base.limits.cpus),
        pids=int(_positive_float(env, "CAPSTONE_EVAL_PIDS", base.limits.pids)),
        wall_s=_positive_float(env, "CAPSTONE_EVAL_TIMEOUT_S", base.limits.wall_s),
    )
    workspace_limits = replace(
        base.workspace_limits,
        fetch_bytes=int(
            _positive_float(env, "CAPSTONE_EVAL_FETCH_MB", base.workspace_limits.fetch_bytes / MIB)
            * MIB
        ),
        fetch_timeout_s=_positive_float(
            env, "CAPSTONE_EVAL_FETCH_TIMEOUT_S", base.workspace_limits.fetch_timeout_s
        ),
    )
    ca: Path | None = None
    for key in ("CAPSTONE_EVAL_CA_BUNDLE", "PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        if env.get(key):
            ca = Path(env[key])
            break
    if ca is None and Path("/etc/ssl/certs/ca-certificates.crt").is_file():
        ca = Path("/etc/ssl/certs/ca-certificates.crt")
    proxies = tuple(
        (key, env[key])
        for key in (
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "NO_PROXY",
            "http_proxy",
            "https_proxy",
            "no_proxy",
        )
        if env.get(key)
    )
    return replace(
        base,
        sandbox_image=env.get("CAPSTONE_EVAL_IMAGE", base.sandbox_image),
        base_image=env.get("CAPSTONE_EVAL_BASE_IMAGE") or None,
        limits=limits,
        workspace_limits=workspace_limits,
        dependency_bytes=int(
            _positive_float(env, "CAPSTONE_EVAL_DEPENDENCY_MB", base.dependency_bytes / MIB) * MIB
        ),
        layers_bytes=int(
            _positive_float(env, "CAPSTONE_EVAL_LAYERS_MB", base.layers_bytes / MIB) * MIB
        ),
        wheel_cache=Path(env["CAPSTONE_EVAL_WHEEL_CACHE"])
        if env.get("CAPSTONE_EVAL_WHEEL_CACHE")
        else base.wheel_cache,
        ca_bundle=ca,
        pip_index_url=env.get("CAPSTONE_EVAL_PIP_INDEX_URL") or base.pip_index_url,
        proxy_env=proxies,
        docker_host=env.get("DOCKER_HOST") or None,
        data_dir=Path(env["CAPSTONE_EVAL_DATA"])
        if env.get("CAPSTONE_EVAL_DATA")
        else base.data_dir,
        kaggle=kaggle_credentials(env),
        kaggle_api_url=env.get("CAPSTONE_EVAL_KAGGLE_API", base.kaggle_api_url),
        review=review_settings(env, file.review),
        git_env=tuple((key, env[key]) for key in GIT_HOST_ENV if key in env),
        queue=load_queue_config(env),
        github=load_github_config(env),
        database_url=env.get("CAPSTONE_EVAL_DATABASE_URL") or None,
        cell_timeout_s=_positive_float(env, "CAPSTONE_EVAL_CELL_TIMEOUT_S", base.cell_timeout_s),
    )
