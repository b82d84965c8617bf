import pytest

from evaluator.config import GIB, load_config
from evaluator.errors import ConfigError


def test_defaults():
    config = load_config({})
    assert config.limits.memory_bytes == 2 * GIB
    assert config.limits.wall_s == 600
    assert config.sandbox_image == "capstone-evaluator/sandbox:latest"
    assert config.dependency_bytes == 4 * GIB


def test_environment_overrides():
    config = load_config(
        {
            "CAPSTONE_EVAL_MEMORY_MB": "512",
            "CAPSTONE_EVAL_TIMEOUT_S": "30",
            "CAPSTONE_EVAL_DEPENDENCY_MB": "1024",
            "DOCKER_HOST": "tcp://x",
        }
    )
    assert config.dependency_bytes == GIB
    assert config.limits.memory_bytes == 512 * 1024**2
    assert config.limits.wall_s == 30
    assert config.docker_host == "tcp://x"


@pytest.mark.parametrize("value", ["lots", "-1", "0"])
def test_bad_numbers_say_which_variable(value):
    with pytest.raises(ConfigError, match="CAPSTONE_EVAL_CPUS"):
        load_config({"CAPSTONE_EVAL_CPUS": value})


def test_fetch_limits_and_the_host_environment_git_sees():
    config = load_config(
        {
            "CAPSTONE_EVAL_FETCH_MB": "50",
            "CAPSTONE_EVAL_FETCH_TIMEOUT_S": "20",
            "HTTPS_PROXY": "http://proxy:3128",
            "GIT_DIR": "/elsewhere",
            "KAGGLE_KEY": "secret",
        }
    )
    assert config.workspace_limits.fetch_bytes == 50 * 1024**2
    assert config.workspace_limits.fetch_timeout_s == 20
    assert dict(config.git_env) == {"HTTPS_PROXY": "http://proxy:3128"}
