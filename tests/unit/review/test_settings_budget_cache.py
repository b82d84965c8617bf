"""Review configuration (file and environment), the budget and its ledger, the answer cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.config import load_config
from evaluator.errors import ConfigError
from evaluator.review.budget import Budget, FileLedger
from evaluator.review.cache import AnswerCache, CachedAnswer, cache_key


def test_no_model_by_default_and_the_environment_names(tmp_path: Path) -> None:
    assert not load_config({}, cwd=tmp_path).review.enabled
    env = {"CAPSTONE_EVAL_LLM_MODEL": "openai/gpt-4o-mini",
           "CAPSTONE_EVAL_LLM_API_BASE": "http://127.0.0.1:1/v1",
           "CAPSTONE_EVAL_LLM_API_KEY": "sk-env-key", "XDG_CACHE_HOME": str(tmp_path / "c")}  # fmt: skip
    review = load_config(env, cwd=tmp_path).review
    assert (review.model, review.api_base) == ("openai/gpt-4o-mini", "http://127.0.0.1:1/v1")
    assert review.api_key is not None and review.api_key.get_secret_value() == "sk-env-key"
    assert review.cache_dir == tmp_path / "c" / "capstone-evaluator" / "review"
    assert "sk-env-key" not in repr(load_config(env, cwd=tmp_path))
    assert "sk-env-key" not in review.model_dump_json()


def test_the_config_file_sets_review_keys_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / "capstone-eval.toml").write_text(
        '[review]\nmodel = "ollama/llama3.1"\nsamples = 3\nrun_budget_usd = 0.25\n'
        f'cache_dir = "{tmp_path / "cache"}"\n'
    )
    review = load_config({}, cwd=tmp_path).review
    assert (review.model, review.samples, review.run_budget_usd) == ("ollama/llama3.1", 3, 0.25)
    assert review.cache_dir == tmp_path / "cache"
    assert review.sample_temperature() == 0.7
    env = {"CAPSTONE_EVAL_LLM_MODEL": "openai/x", "XDG_CACHE_HOME": "/elsewhere"}
    overridden = load_config(env, cwd=tmp_path).review
    assert (overridden.model, overridden.cache_dir) == ("openai/x", tmp_path / "cache")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[review]\napi_key = "sk-in-a-file"\n', "review.api_key is not read from files"),
        ("[review]\nsampels = 3\n", "review.sampels: Extra inputs are not permitted"),
        ("[review]\nsamples = 0\n", "review.samples: Input should be greater than or equal to 1"),
        ("[reveiw]\n", "reveiw: Extra inputs are not permitted"),
        ("[review\n", "is not valid TOML"),
    ],
)
def test_a_bad_config_file_says_where(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config({"CAPSTONE_EVAL_CONFIG": str(path)}, cwd=tmp_path)
    assert message in caught.value.message
    assert "sk-in-a-file" not in str(caught.value)


def test_the_budget_refuses_what_does_not_fit_and_counts_known_costs(tmp_path: Path) -> None:
    ledger = FileLedger(path=tmp_path / "ledger" / "spent.json")
    assert ledger.spent_usd() == 0.0
    budget = Budget(run_limit_usd=0.10, cohort_limit_usd=1.0, cohort=ledger)
    assert budget.refusal(0.05) is None
    budget.charge(0.06)
    budget.charge(None)  # an unknown price counts nothing
    assert budget.run_spent_usd == pytest.approx(0.06)
    assert "the run's budget of $0.1 is spent" in (budget.refusal(0.05) or "")
    assert budget.refusal(None) is None  # unknown price, budget not yet spent
    other_run = Budget(run_limit_usd=None, cohort_limit_usd=0.06, cohort=ledger)
    assert "the cohort's budget of $0.06 is spent" in (other_run.refusal(None) or "")
    ledger.add(0.5)
    assert FileLedger(path=ledger.path).spent_usd() == pytest.approx(0.56)
    ledger.path.write_text("not json")
    assert ledger.spent_usd() == 0.0


def test_the_cache_keeps_answers_by_model_prompt_and_sample(tmp_path: Path) -> None:
    cache = AnswerCache(folder=tmp_path)
    key = cache_key("openai/a", "h" * 64, 1)
    assert cache.get(key) is None
    cache.put(key, CachedAnswer(text="{}", input_tokens=10, output_tokens=2))
    assert cache.get(key) == CachedAnswer(text="{}", input_tokens=10, output_tokens=2)
    assert key != cache_key("openai/b", "h" * 64, 1) != cache_key("openai/a", "h" * 64, 2)
    (tmp_path / f"{key}.json").write_text("{broken")
    assert cache.get(key) is None
    off = AnswerCache(folder=tmp_path / "off", enabled=False)
    off.put(key, CachedAnswer(text="{}", input_tokens=None, output_tokens=None))
    assert off.get(key) is None
    assert not (tmp_path / "off").exists()


def test_the_readme_config_example_is_valid(tmp_path: Path) -> None:
    import re

    from tests.conftest import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    (tmp_path / "capstone-eval.toml").write_text(block.group(1) + 'cache_dir = "~/rc"\n')
    review = load_config({"HOME": "/home/mentor"}, cwd=tmp_path).review
    assert (review.model, review.samples, review.max_input_tokens) == (
        "openai/gpt-4o-mini",
        1,
        30_000,
    )
    assert review.cache_dir == Path("~/rc").expanduser()


def test_a_local_openai_compatible_server_needs_no_key(tmp_path: Path) -> None:
    local = {
        "CAPSTONE_EVAL_LLM_MODEL": "openai/qwen2.5",
        "CAPSTONE_EVAL_LLM_API_BASE": "http://127.0.0.1:8080/v1",
    }
    key = load_config(local, cwd=tmp_path).review.api_key
    assert key is not None and key.get_secret_value() == "no-key"
    hosted = load_config({**local, "OPENAI_API_KEY": "sk-own"}, cwd=tmp_path).review
    assert hosted.api_key is None  # litellm reads the provider's variable itself
    assert (
        load_config({"CAPSTONE_EVAL_LLM_MODEL": "openai/gpt-4o-mini"}, cwd=tmp_path).review.api_key
        is None
    )
