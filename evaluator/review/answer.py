"""The model's answer: one JSON object, validated here (a trust boundary).

The published schema is ``schemas/review.schema.json`` (:func:`review_json_schema`).
Validation against one rubric also checks what a schema cannot say alone: every
judgement criterion answered exactly once, no other criterion, and each level one
of that criterion's levels.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from evaluator.model.base import FrozenModel

REVIEW_SCHEMA_ID = "https://capstone-evaluator.dev/schemas/review-1.json"
#: What a citation may quote: a line or a few, not a file.
MAX_QUOTE = 400


class Citation(FrozenModel):
    """Lines of a learner file that support a level."""

    path: str = Field(description="File path relative to the repository root, as shown.")
    line_start: int = Field(ge=1, description="First cited line (the numbers shown).")
    line_end: int = Field(ge=1, description="Last cited line.")
    quote: str = Field(
        min_length=1, max_length=MAX_QUOTE, description="Exact text from the cited lines."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Citation:
        if self.line_end < self.line_start:
            raise ValueError("line_end is before line_start")
        return self


class CriterionAnswer(FrozenModel):
    """The level of one judgement criterion and why."""

    id: str = Field(description="Criterion id, as given in the rubric.")
    level: int = Field(description="One of the criterion's levels (0-4).")
    justification: str = Field(
        min_length=1, max_length=2000, description="Why this level, in a few sentences."
    )
    citations: list[Citation] = Field(
        max_length=8, description="File lines that show it (at least one)."
    )

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: int, info: ValidationInfo) -> int:
        levels: Mapping[str, Set[int]] = (info.context or {}).get("levels", {})
        criterion = info.data.get("id")
        allowed = levels.get(criterion) if isinstance(criterion, str) else None
        if allowed is not None and value not in allowed:
            shown = ", ".join(str(level) for level in sorted(allowed))
            raise ValueError(f"level {value} is not a level of {criterion!r} (use {shown})")
        return value


class ReviewAnswer(FrozenModel):
    """The whole answer."""

    criteria: list[CriterionAnswer] = Field(description="One entry per judgement criterion.")
    injection_suspected: bool = Field(
        description="True when the learner's files hold instructions aimed at the reviewer."
    )

    @model_validator(mode="after")
    def _each_criterion_once(self, info: ValidationInfo) -> ReviewAnswer:
        levels: Mapping[str, Set[int]] = (info.context or {}).get("levels", {})
        if not levels:
            return self
        given = [c.id for c in self.criteria]
        unknown = sorted(set(given) - set(levels))
        missing = sorted(set(levels) - set(given))
        twice = sorted({i for i in given if given.count(i) > 1})
        problems = [
            *(["unknown criteria: " + ", ".join(unknown)] if unknown else []),
            *(["missing criteria: " + ", ".join(missing)] if missing else []),
            *(["criteria answered twice: " + ", ".join(twice)] if twice else []),
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


def parse_answer(text: str, levels: Mapping[str, Set[int]]) -> ReviewAnswer | str:
    """The validated answer, or what is wrong with it (for the correction request)."""
    try:
        return ReviewAnswer.model_validate_json(text, context={"levels": levels})
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:6]:
            where = ".".join(str(p) for p in error["loc"]) or "answer"
            problems.append(f"{where}: {error['msg']}")
        return "; ".join(problems)


def review_json_schema() -> dict[str, Any]:
    """JSON Schema of the answer (published in ``schemas/review.schema.json``)."""
    schema = ReviewAnswer.model_json_schema()
    schema["$id"] = REVIEW_SCHEMA_ID
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def response_schema(levels: Mapping[str, Set[int]]) -> dict[str, Any]:
    """The schema sent as the provider's response format: strict (no extra keys, all keys
    required), criterion ids and levels as enums, no ``$ref`` (some providers reject them)."""
    citation = {
        "type": "object",
        "additionalProperties": False,
        "required": ["path", "line_start", "line_end", "quote"],
        "properties": {
            "path": {"type": "string"},
            "line_start": {"type": "integer"},
            "line_end": {"type": "integer"},
            "quote": {"type": "string"},
        },
    }
    every_level = sorted({level for allowed in levels.values() for level in allowed})
    criterion = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "level", "justification", "citations"],
        "properties": {
            "id": {"type": "string", "enum": sorted(levels)},
            "level": {"type": "integer", "enum": every_level},
            "justification": {"type": "string"},
            "citations": {"type": "array", "items": citation},
        },
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["criteria", "injection_suspected"],
        "properties": {
            "criteria": {"type": "array", "items": criterion},
            "injection_suspected": {"type": "boolean"},
        },
    }
