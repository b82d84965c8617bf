"""Settings of the LLM review: the ``[review]`` table of the config file plus the environment.

Every key has a description and a default. The API key is taken from the environment
only (``CAPSTONE_EVAL_LLM_API_KEY``, else the provider's own variable, which litellm
reads): a key written into a config file ends up in repositories and backups.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from evaluator.model.base import FrozenModel

ENV_MODEL = "CAPSTONE_EVAL_LLM_MODEL"
ENV_API_BASE = "CAPSTONE_EVAL_LLM_API_BASE"
ENV_API_KEY = "CAPSTONE_EVAL_LLM_API_KEY"

ResponseFormat = Literal["auto", "json_schema", "json_object", "none"]


def default_cache_dir() -> Path:
    """``~/.cache/capstone-evaluator/review`` (load_config honours XDG_CACHE_HOME)."""
    return Path.home() / ".cache" / "capstone-evaluator" / "review"


class ReviewSettings(FrozenModel):
    """How the LLM review runs. No model: the review is recorded as not run."""

    model: str | None = Field(
        default=None,
        description="litellm model string, e.g. 'openai/gpt-4o-mini', 'azure/<deployment>', "
        "'ollama/llama3.1'; env CAPSTONE_EVAL_LLM_MODEL. None: the review does not run.",
    )
    api_base: str | None = Field(
        default=None,
        description="Endpoint of the provider (a local Ollama, vLLM or any OpenAI-compatible "
        "server); env CAPSTONE_EVAL_LLM_API_BASE. None: the provider's default.",
    )
    api_key: SecretStr | None = Field(
        default=None,
        exclude=True,
        description="From CAPSTONE_EVAL_LLM_API_KEY only (never from the file); None: the "
        "provider's own variable (OPENAI_API_KEY, AZURE_API_KEY, ...).",
    )
    samples: int = Field(
        default=1,
        ge=1,
        le=9,
        description="Answers asked per review; the median level counts, and a spread of more "
        "than one level leaves the criterion to a mentor.",
    )
    temperature: float | None = Field(
        default=None,
        ge=0,
        le=2,
        description="Sampling temperature; None: 0 for one sample, 0.7 for several.",
    )
    max_input_tokens: int = Field(
        default=30_000,
        ge=2_000,
        description="Token budget of the whole prompt; learner files fill what is left.",
    )
    max_output_tokens: int = Field(default=3_000, ge=256, description="Answer length limit.")
    max_file_bytes: int = Field(
        default=200_000, ge=1_000, description="Larger learner files are never read."
    )
    timeout_s: float = Field(default=90.0, gt=0, description="Limit of one model request.")
    deadline_s: float = Field(
        default=300.0, gt=0, description="Limit of the whole review, retries included."
    )
    retries: int = Field(
        default=4, ge=0, le=10, description="Retries of a request after 429, 5xx or a timeout."
    )
    response_format: ResponseFormat = Field(
        default="auto",
        description="auto: a JSON-schema response format where litellm says the model supports "
        "it, else JSON mode where the provider has it; or force one, or none.",
    )
    run_budget_usd: float | None = Field(
        default=1.0, ge=0, description="Most one evaluation may spend; None: no limit."
    )
    cohort_budget_usd: float | None = Field(
        default=None,
        ge=0,
        description="Most all reviews together may spend (read from spent_file); None: no limit.",
    )
    spent_file: Path | None = Field(
        default=None,
        description="Ledger of what reviews have spent (JSON); None: spent.json in cache_dir.",
    )
    cache: bool = Field(default=True, description="Reuse answers for the same model and prompt.")
    cache_dir: Path = Field(
        default_factory=default_cache_dir, description="Where answers and the ledger are kept."
    )
    input_cost_per_million: float | None = Field(
        default=None,
        ge=0,
        description="USD per million prompt tokens, for a model litellm has no price for.",
    )
    output_cost_per_million: float | None = Field(
        default=None, ge=0, description="USD per million completion tokens (see above)."
    )
    remote_price_map: bool = Field(
        default=False,
        description="Let litellm download its newest price map at import (network); by "
        "default the map shipped with the installed litellm is used.",
    )

    @field_validator("model", "api_base", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cache_dir", "spent_file")
    @classmethod
    def _home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @property
    def enabled(self) -> bool:
        """Whether a model is configured."""
        return bool(self.model)

    @property
    def ledger(self) -> Path:
        """The file that records what reviews have spent."""
        return self.spent_file or self.cache_dir / "spent.json"

    def sample_temperature(self) -> float:
        """The temperature used: configured, else 0 for one sample and 0.7 for several."""
        if self.temperature is not None:
            return self.temperature
        return 0.0 if self.samples == 1 else 0.7
