"""The one pydantic base of every document the evaluator reads or writes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """Immutable, and unknown keys are errors: a typo must never be silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)
