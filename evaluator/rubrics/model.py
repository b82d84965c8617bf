"""The rubric format: one YAML file per capstone in ``rubrics/``, validated here.

Mentors and programme leads edit these files without code, so every field has a
description and a default, unknown keys are rejected (a typo must not silently
drop a criterion), and the JSON Schema in ``schemas/rubric.schema.json`` is
generated from these models.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from evaluator.model.criteria import Trust
from evaluator.rubrics.rules import CodeRule, FileRule, PatternRule, StrictModel

RUBRIC_SCHEMA_ID = "https://capstone-evaluator.dev/schemas/rubric-1.json"
#: The check id of hidden-label benchmarks; its criteria name the benchmark they need.
BENCHMARK_CHECK = "benchmark"
ID_PATTERN = r"^[a-z0-9][a-z0-9.]*(-[a-z0-9.]+)*$"
MAX_LEVEL = 4

#: Who produces each check's evidence. Learner code produces tests and coverage
#: (a learner can write tests that assert nothing), so they are self-reported;
#: the evaluator itself lints and scores hidden-label benchmarks, so those are
#: verified. Checks not listed are self-reported: trust is never assumed.
DEFAULT_CHECK_TRUST: dict[str, Trust] = {
    "manifest": Trust.VERIFIED,
    "workspace": Trust.VERIFIED,
    "install": Trust.SELF_REPORTED,
    "tests": Trust.SELF_REPORTED,
    "coverage": Trust.SELF_REPORTED,
    "notebooks": Trust.SELF_REPORTED,
    "lint": Trust.VERIFIED,
    "benchmark": Trust.VERIFIED,
    "hidden-tests": Trust.VERIFIED,
}


class Operator(StrEnum):
    """Comparison of a measured metric with the rubric's value."""

    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"
    EQ = "=="
    NE = "!="


class _Criterion(StrictModel):
    id: str = Field(
        default="criterion",
        pattern=ID_PATTERN,
        description="Id unique within the rubric; used by overrides and reports.",
    )
    title: str = Field(default="", description="Short name shown in reports.")
    description: str = Field(default="", description="What the criterion asks for.")
    must_pass: bool = Field(
        default=True, description="A failure blocks graduation whatever the weighted score."
    )
    weight: float = Field(
        default=1.0, ge=0, description="Weight in the score of weighted (not must-pass) criteria."
    )
    next_step: str = Field(
        default="Ask your mentor what is missing.",
        description="What the learner should do when the criterion fails.",
    )
    trust: Trust | None = Field(
        default=None, description="Trust label; by default derived from the criterion's kind."
    )


class MetricCriterion(_Criterion):
    """A threshold on a metric of a check in ``report.json`` (``tests.passed >= 20``)."""

    kind: Literal["metric"] = Field(default="metric", description="Criterion kind.")
    check: str = Field(default="tests", description="Check id, e.g. 'tests', 'benchmark'.")
    metric: str = Field(
        default="passed",
        description="Metric of the check, or 'status' for the check's own pass/fail.",
    )
    op: Operator = Field(default=Operator.GE, description="Comparison.")
    value: float | str = Field(default=0, description="Threshold, or a status such as 'pass'.")
    benchmark: str | None = Field(
        default=None,
        description="The benchmark this criterion is measured on (required with check "
        "'benchmark', e.g. 'mnist'): the pipeline runs the benchmarks the rubric names, and a "
        "result from another benchmark never satisfies the criterion.",
    )

    @model_validator(mode="after")
    def _ordering_needs_number(self) -> MetricCriterion:
        if isinstance(self.value, str) and self.op not in (Operator.EQ, Operator.NE):
            raise ValueError(f"operator {self.op.value} needs a number; use == or != for text")
        return self

    @model_validator(mode="after")
    def _benchmark_named(self) -> MetricCriterion:
        if self.check == BENCHMARK_CHECK and not self.benchmark:
            raise ValueError(
                "a criterion on the benchmark check names its benchmark, e.g. 'benchmark: mnist'"
            )
        if self.benchmark and self.check != BENCHMARK_CHECK:
            raise ValueError(f"'benchmark' belongs to criteria on check {BENCHMARK_CHECK!r}")
        return self

    @property
    def expression(self) -> str:
        """The criterion as the rubric writes it, e.g. ``tests.passed >= 20``."""
        value = self.value
        shown = f"{value:g}" if isinstance(value, float) else value
        return f"{self.check}.{self.metric} {self.op.value} {shown}"


class PresenceCriterion(_Criterion):
    """Files, text patterns or code facts present in the workspace (README sections,
    a Dockerfile, a decoder class the benchmark runs)."""

    kind: Literal["presence"] = Field(default="presence", description="Criterion kind.")
    files: list[FileRule] = Field(default_factory=list, description="File rules; all must hold.")
    patterns: list[PatternRule] = Field(
        default_factory=list,
        description="Text pattern rules (prose, configuration); all must hold. For Python "
        "code use 'code' rules: they read the syntax tree, not text.",
    )
    code: list[CodeRule] = Field(
        default_factory=list, description="Code rules on the syntax tree; all must hold."
    )

    @field_validator("files", mode="before", json_schema_input_type=list[str | FileRule])
    @classmethod
    def _glob_shorthand(cls, value: Any) -> Any:
        # `files: [Dockerfile]` is the common case; a bare string means min_count 1.
        if isinstance(value, list):
            return [{"glob": item} if isinstance(item, str) else item for item in value]
        return value

    @model_validator(mode="after")
    def _has_rules(self) -> PresenceCriterion:
        if not self.files and not self.patterns and not self.code:
            raise ValueError(
                "a presence criterion needs at least one of 'files', 'patterns' or 'code'"
            )
        return self


class _Scored(_Criterion):
    levels: dict[int, str] = Field(
        default_factory=lambda: {
            0: "Absent.",
            1: "Attempted, major gaps.",
            2: "Adequate.",
            3: "Good.",
            4: "Excellent.",
        },
        description="Level descriptors for levels 0 to 4, all five present.",
    )
    pass_level: int = Field(default=2, ge=0, le=MAX_LEVEL, description="Lowest passing level.")

    @field_validator("levels")
    @classmethod
    def _all_levels(cls, value: dict[int, str]) -> dict[int, str]:
        if sorted(value) != list(range(MAX_LEVEL + 1)):
            raise ValueError("give a descriptor for each level 0, 1, 2, 3 and 4")
        return value


class JudgementCriterion(_Scored):
    """Scored 0-4 by the LLM review against level descriptors; a mentor may override."""

    kind: Literal["judgement"] = Field(default="judgement", description="Criterion kind.")


class MentorCriterion(_Scored):
    """Scored 0-4 by a mentor only (a presentation, a defence)."""

    kind: Literal["mentor"] = Field(default="mentor", description="Criterion kind.")


Criterion = Annotated[
    MetricCriterion | PresenceCriterion | JudgementCriterion | MentorCriterion,
    Field(discriminator="kind"),
]


class Rubric(StrictModel):
    """The graduation rubric of one capstone or milestone deliverable."""

    schema_: str | None = Field(
        default=None, alias="$schema", description="Editor hint; ignored by the evaluator."
    )
    id: str = Field(
        default="capstone",
        pattern=ID_PATTERN,
        description="Rubric id, equal to the file name without .yaml, e.g. '1.1-file-organizer'.",
    )
    title: str = Field(default="", description="Capstone title.")
    level: str | None = Field(default=None, description="Programme level or track, e.g. '1'.")
    source: str = Field(default="", description="Where the requirements come from (seed doc).")
    description: str = Field(default="", description="What the capstone asks for.")
    min_score: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Weighted score (0-1) the weighted criteria must reach together.",
    )
    hidden_tests: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9.-]*$",
        description="Folder under rubrics/hidden-tests/ with the evaluator's own tests of the "
        "capstone's behaviour; they run the learner's code as a separate process in a fresh "
        "sandbox and report as the 'hidden-tests' check (verified).",
    )
    check_trust: dict[str, Trust] = Field(
        default_factory=lambda: dict(DEFAULT_CHECK_TRUST),
        description="Trust label of metric criteria per check id.",
    )
    criteria: list[Criterion] = Field(default_factory=list, description="The criteria.")

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        seen: set[str] = set()
        for criterion in self.criteria:
            if criterion.id in seen:
                raise ValueError(f"criterion id {criterion.id!r} appears twice")
            seen.add(criterion.id)
        if not self.criteria:
            raise ValueError("a rubric needs at least one criterion")
        return self

    def benchmarks(self) -> list[str]:
        """The benchmarks the criteria name, in rubric order, each once."""
        names = [c.benchmark for c in self.criteria if isinstance(c, MetricCriterion)]
        return list(dict.fromkeys(name for name in names if name))

    def trust_of(self, criterion: MetricCriterion | PresenceCriterion | _Scored) -> Trust:
        """The trust label of a criterion: declared, else derived from its kind and check."""
        if criterion.trust is not None:
            return criterion.trust
        if isinstance(criterion, MetricCriterion):
            return self.check_trust.get(
                criterion.check, DEFAULT_CHECK_TRUST.get(criterion.check, Trust.SELF_REPORTED)
            )
        if isinstance(criterion, PresenceCriterion):
            return Trust.VERIFIED  # the evaluator reads the files itself
        if isinstance(criterion, JudgementCriterion):
            return Trust.LLM
        return Trust.MENTOR


class Group(StrictModel):
    """All of, or any of, a list of rubric ids and nested groups."""

    all_of: list[str | Group] | None = Field(
        default=None, alias="all-of", description="Every item must be graduation-ready."
    )
    any_of: list[str | Group] | None = Field(
        default=None, alias="any-of", description="At least one item must be graduation-ready."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Group:
        if (self.all_of is None) == (self.any_of is None):
            raise ValueError("a group has exactly one of 'all-of' or 'any-of'")
        return self

    def rubric_ids(self) -> list[str]:
        """Every rubric id named in this group, nested groups included."""
        ids: list[str] = []
        for item in self.all_of or self.any_of or []:
            ids.extend([item] if isinstance(item, str) else item.rubric_ids())
        return ids


class Level(StrictModel):
    """One programme level (or track) and the capstones that graduate it."""

    id: str = Field(default="1", description="Level id, e.g. '1' or 'data-team'.")
    title: str = Field(default="", description="Level title.")
    requires: Group = Field(
        default_factory=lambda: Group(all_of=[]), description="Capstones required."
    )


class LevelsFile(StrictModel):
    """``rubrics/levels.yaml``: level graduation requirements."""

    schema_: str | None = Field(
        default=None, alias="$schema", description="Editor hint; ignored by the evaluator."
    )
    levels: list[Level] = Field(default_factory=list, description="Levels in programme order.")


def rubric_json_schema() -> dict[str, Any]:
    """JSON Schema of a rubric file (published in ``schemas/rubric.schema.json``)."""
    schema = Rubric.model_json_schema(by_alias=True)
    schema["$id"] = RUBRIC_SCHEMA_ID
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
