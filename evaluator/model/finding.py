"""One located problem, shared by checks, integrity findings and the LLM review."""

from __future__ import annotations

from pydantic import Field

from evaluator.model.base import FrozenModel


class Finding(FrozenModel):
    """One located problem: a lint violation, a failing test, a skipped symlink."""

    path: str = Field(description="Path relative to the repository root.")
    line: int | None = Field(default=None, description="1-based line, when known.")
    column: int | None = Field(default=None, description="1-based column, when known.")
    code: str = Field(description="Rule or category, e.g. 'F401', 'test-failure'.")
    message: str = Field(description="What is wrong, in one or a few lines.")
    detail: str | None = Field(default=None, description="Longer text, e.g. a traceback.")
