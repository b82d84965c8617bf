"""Shared fixtures: real git repositories in temp dirs, the real Docker engine.

Also the ``--update-golden`` option (or UPDATE_GOLDEN=1), which rewrites the golden
report files instead of comparing with them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import docker.errors
import git
import pytest

from evaluator.config import EvaluatorConfig, load_config
from evaluator.errors import EngineUnavailable
from evaluator.install.layer import DEPS_REPO
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.interpreters import interpreter_image

REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/* from the current renderers instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether golden files are rewritten rather than compared."""
    return bool(request.config.getoption("--update-golden")) or os.environ.get(
        "UPDATE_GOLDEN", ""
    ) not in ("", "0")


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``{relative path: text or bytes}`` under ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def make_git_repo(root: Path, files: Mapping[str, str]) -> git.Repo:
    """A real git repository with ``files`` committed on branch main."""
    root.mkdir(parents=True, exist_ok=True)
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "Learner")
        cfg.set_value("user", "email", "learner@example.org")
        cfg.set_value("commit", "gpgsign", "false")
    write_tree(root, files)
    repo.git.add(A=True)
    repo.index.commit("capstone")
    return repo


@pytest.fixture(autouse=True, scope="session")
def _throwaway_results_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Evaluations that tests store go to a temp SQLite file, never the user's results store."""
    path = tmp_path_factory.mktemp("store") / "results.sqlite"
    os.environ["CAPSTONE_EVAL_DATABASE_URL"] = f"sqlite:///{path}"


@pytest.fixture(scope="session")
def engine() -> DockerEngine:
    """The real Docker engine with the sandbox image; skipped outside CI when absent."""
    config = load_config(os.environ)
    try:
        found = DockerEngine.connect(config.docker_host)
        found.require_image(config.sandbox_image)
    except EngineUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the Docker engine and sandbox image: {exc}")
        pytest.skip(f"no Docker engine or sandbox image ({exc.message}); run scripts/setup.sh")
    return found


@pytest.fixture
def config() -> EvaluatorConfig:
    """The configuration the evaluator would use on this machine."""
    return load_config(os.environ)


# --- install phase: a shared wheel cache and dependency layers removed after each test ---
@pytest.fixture(scope="session")
def wheel_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One wheel cache for the whole session: each small wheel is downloaded once."""
    return tmp_path_factory.mktemp("wheel-cache")


@pytest.fixture
def install_config(config: EvaluatorConfig, wheel_cache: Path) -> EvaluatorConfig:
    """The machine's configuration with the session's wheel cache."""
    return dataclasses.replace(config, wheel_cache=wheel_cache)


@pytest.fixture
def deps_layers(engine: DockerEngine) -> Iterator[set[str]]:
    """Add the dependency layers a test makes; those that did not exist before are removed."""
    before = {t for image in engine.client.images.list(name=DEPS_REPO) for t in image.tags}
    created: set[str] = set()
    yield created
    for tag in created - before:
        # A layer another test of this session still uses stays.
        with contextlib.suppress(docker.errors.APIError):
            engine.client.images.remove(tag)


@pytest.fixture
def needs_313(engine: DockerEngine, config: EvaluatorConfig) -> str:
    """The Python 3.13 sandbox image (built by `capstone-eval sandbox setup --python 3.13`)."""
    image = interpreter_image(config.sandbox_image, "3.13")
    if engine.image_id(image) is None:
        message = f"{image} is not built: run `capstone-eval sandbox setup --python 3.13`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return image
