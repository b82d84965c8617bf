"""The rules of presence criteria: files, text patterns, and facts about the code.

Part of the rubric format (see :mod:`evaluator.rubrics.model`); every field has a
description and a default, and unknown keys are rejected.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from evaluator.model.base import FrozenModel


class StrictModel(FrozenModel):
    """A rubric model: frozen, unknown keys rejected, fields by name or alias."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FileRule(StrictModel):
    """Files matching a glob must exist (``**/`` matches any depth, from the repo root)."""

    glob: str = Field(default="README.md", description="Glob relative to the repository root.")
    min_count: int = Field(default=1, ge=0, description="At least this many files match.")


class PatternRule(StrictModel):
    """A regular expression must match in files selected by a glob."""

    glob: str = Field(default="**/*.py", description="Files searched, relative to the root.")
    regex: str = Field(default=".", description="Python regular expression, searched per line.")
    min_count: int = Field(default=1, ge=0, description="At least this many matches.")
    max_count: int | None = Field(
        default=None, ge=0, description="At most this many matches (0 forbids a pattern)."
    )
    distinct: bool = Field(
        default=False, description="Count distinct matched texts (e.g. model families used)."
    )
    ignore_case: bool = Field(default=False, description="Match case-insensitively.")

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value


_NAMES_INPUT = str | list[str]
#: The keys of a code rule that say what it counts; a rule has exactly one.
CODE_FACTS = ("defines", "imports", "calls", "catches", "uses")


class CodeRule(StrictModel):
    """A fact about the learner's Python code, read from its syntax tree.

    Comments, docstrings and strings never count, nor do empty bodies (``pass``,
    ``...``, ``raise NotImplementedError``). Name patterns are globs: without a
    dot they match the last part of a name (``tril`` matches ``torch.tril``,
    ``*Attention*`` any class with Attention in its name); with a dot they match
    the whole resolved name (``transformers.*LMHeadModel``, ``logger.*``).
    Notebooks' code cells are read like modules.
    """

    defines: Literal["class", "function", "module"] | None = Field(
        default=None,
        description="Count definitions with a real body: classes, functions, or modules "
        "that define at least one of them; 'name' filters by name.",
    )
    imports: list[str] | None = Field(
        default=None,
        description="Count imports of modules or names (pattern 'x' also matches 'x.y'): "
        "import statements, importlib.import_module / __import__ with literal names, and "
        "names read off imported modules ('transformers.GPT2LMHeadModel').",
    )
    calls: list[str] | None = Field(
        default=None, description="Count calls of functions or methods with these names."
    )
    catches: list[str] | None = Field(
        default=None,
        description="Count except clauses that name these exception classes ('*': any "
        "named class; bare except never counts).",
    )
    uses: list[str] | None = Field(
        default=None,
        description="Count references to these names: imports, calls, attributes, names.",
    )
    name: list[str] = Field(
        default_factory=lambda: ["*"], description="For 'defines': name patterns counted."
    )
    exclude: list[str] = Field(
        default_factory=list, description="Names never counted (e.g. Exception for catches)."
    )
    where: Literal["anywhere", "entry-points"] = Field(
        default="anywhere",
        description="'entry-points': only code the manifest's benchmark entry points run "
        "(module level of the modules they import, and functions they reach by a static "
        "call graph); without entry points in capstone.yaml, all code is searched.",
    )
    glob: str = Field(
        default="**/*", description="Python files and notebooks searched, from the root."
    )
    tests: bool = Field(
        default=False, description="Count test code too (test files, conftest.py, tests/)."
    )
    min_count: int = Field(default=1, ge=0, description="At least this many found.")
    max_count: int | None = Field(
        default=None, ge=0, description="At most this many found (0 forbids it)."
    )
    distinct: bool = Field(default=False, description="Count distinct names only.")

    @field_validator(
        "imports", "calls", "catches", "uses", mode="before", json_schema_input_type=_NAMES_INPUT
    )
    @classmethod
    def _facts_one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("name", "exclude", mode="before", json_schema_input_type=_NAMES_INPUT)
    @classmethod
    def _names_one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_fact(self) -> CodeRule:
        given = [key for key in CODE_FACTS if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError(f"a code rule has exactly one of {', '.join(CODE_FACTS)}")
        return self

    @property
    def fact(self) -> str:
        """Which fact the rule counts: 'defines', 'imports', 'calls', 'catches' or 'uses'."""
        return next(key for key in CODE_FACTS if getattr(self, key) is not None)

    @property
    def patterns(self) -> list[str]:
        """The name patterns counted (for 'defines': ``name``)."""
        value = getattr(self, self.fact)
        return self.name if self.fact == "defines" else list(value)

    @property
    def expression(self) -> str:
        """The rule in one line, e.g. ``imports transformers.* (entry points) <= 0``."""
        what = f"defines {self.defines}" if self.fact == "defines" else self.fact
        where = " (entry points)" if self.where == "entry-points" else ""
        bound = f"<= {self.max_count}" if self.max_count is not None else f">= {self.min_count}"
        return f"{what} {', '.join(self.patterns)}{where} {bound}"
