"""Read rubric and level files, with errors that name the file, the line and the field.

Rubric files are edited by hand, so a validation error must lead straight to the
line to fix: the YAML node tree keeps each node's position, and a pydantic error
location is walked down that tree to find it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from evaluator.benchmarks.definition import available, load_definition
from evaluator.documents import DocumentError, parse_yaml, yaml_tree
from evaluator.errors import ConfigError
from evaluator.paths import bundled
from evaluator.rubrics.model import LevelsFile, MetricCriterion, Rubric

LEVELS_FILE = "levels.yaml"
_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing wrong in a rubric or levels file."""

    path: Path
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class RubricFileError(ConfigError):
    """A rubric or levels file is invalid; ``problems`` lists every error found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"{first}{more}",
            hint=f"fix {first.path.name}; `capstone-eval rubrics validate {first.path}` lists all",
        )
        self.problems = list(problems)


def rubrics_dir() -> Path:
    """The bundled ``rubrics/`` folder."""
    return bundled("rubrics")


def _locate(root: yaml.Node | None, loc: tuple[int | str, ...]) -> tuple[int | None, str]:
    """Line (1-based) and dotted field name of the YAML node a pydantic error points to.

    Pydantic puts union tags into locations (``criteria.0.metric.op`` for a
    criterion of kind ``metric``); a tag equal to the mapping's ``kind`` is
    skipped, as are the member names of plain unions (``str``, ``Group``). A
    missing key leaves the walk at the mapping that lacks it, so the error
    points at that mapping's line.
    """
    node = root
    parts: list[str] = []
    after_index = False
    for part in loc:
        tag_position, after_index = after_index, isinstance(part, int)
        if isinstance(node, yaml.MappingNode):
            values = {key.value: value for key, value in node.value}
            kind = values.get("kind")
            # The tag directly follows the list index (``criteria.0.metric.op``).
            if tag_position and isinstance(kind, yaml.ScalarNode) and kind.value == part:
                continue
            if part in {"str", "Group"} and part not in values:
                continue
            node = values.get(str(part), node)  # str(): level descriptors have int keys
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if 0 <= part < len(node.value) else node
        parts.append(f"[{part}]" if isinstance(part, int) and parts else str(part))
    field = ".".join(parts).replace(".[", "[")
    return (node.start_mark.line + 1 if node is not None else None), field


def _parse(path: Path, text: str, model: type[_M]) -> _M:
    try:
        data = parse_yaml(text)
    except DocumentError as exc:
        problem = Problem(path=path, line=exc.line, field="", message=exc.problem)
        raise RubricFileError([problem]) from None
    if not isinstance(data, dict):
        raise RubricFileError(
            [Problem(path=path, line=1, field="", message="the file must be a YAML mapping")]
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        root = yaml_tree(text)  # the nodes know their lines: read again only to place problems
        problems = []
        for err in exc.errors():
            line, field = _locate(root, err["loc"])
            message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(Problem(path=path, line=line, field=field, message=message))
        raise RubricFileError(problems) from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read {path}: {exc.strerror}", hint="check the path and permissions"
        ) from None


def benchmark_problem(name: str) -> str | None:
    """Why a rubric may not name benchmark ``name``, or None when it may."""
    if name not in available():
        return f"no benchmark named {name!r}; known: {', '.join(available())}"
    if load_definition(name).demonstration:
        return (
            f"{name!r} is a demonstration benchmark: its held-out split is reachable from the "
            "sandbox, so it cannot grade anyone"
        )
    return None


def _benchmark_problems(path: Path, text: str, rubric: Rubric) -> list[Problem]:
    problems = []
    for index, criterion in enumerate(rubric.criteria):
        why = (
            benchmark_problem(criterion.benchmark)
            if isinstance(criterion, MetricCriterion) and criterion.benchmark
            else None
        )
        if why is not None:
            line, field = _locate(yaml_tree(text), ("criteria", index, "benchmark"))
            problems.append(Problem(path=path, line=line, field=field, message=why))
    return problems


def load_rubric(path: Path) -> Rubric:
    """Read and validate one rubric file; its id must equal the file name without .yaml,
    and the benchmarks it names must exist and be fit to grade."""
    text = _read(path)
    rubric = _parse(path, text, Rubric)
    problems = _benchmark_problems(path, text, rubric)
    if rubric.id != path.stem:
        line, _ = _locate(yaml_tree(text), ("id",))
        message = f"{rubric.id!r} must equal the file name {path.stem!r}"
        problems.insert(0, Problem(path=path, line=line, field="id", message=message))
    if problems:
        raise RubricFileError(problems)
    return rubric


def load_levels(path: Path) -> LevelsFile:
    """Read and validate a levels file (``rubrics/levels.yaml``)."""
    return _parse(path, _read(path), LevelsFile)


def rubric_paths(folder: Path) -> list[Path]:
    """Rubric files of a folder, sorted (every ``*.yaml`` except the levels file)."""
    return sorted(p for p in folder.glob("*.yaml") if p.name != LEVELS_FILE)


def load_all(folder: Path) -> list[Rubric]:
    """Every rubric of a folder; the first invalid file raises :class:`RubricFileError`."""
    return [load_rubric(path) for path in rubric_paths(folder)]


def find_rubric_path(capstone: str, folder: Path) -> Path:
    """The rubric file for a capstone id, full (``1.1-file-organizer``) or short (``1.1``).

    A short form matches the rubric whose id starts with it followed by ``-``.
    """
    paths = rubric_paths(folder)
    exact = [p for p in paths if p.stem == capstone]
    matches = exact or [p for p in paths if p.stem.startswith(f"{capstone}-")]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(p.stem for p in paths) or "(none)"
    if not matches:
        raise ConfigError(
            f"no rubric for capstone {capstone!r} in {folder}",
            hint=f"use one of: {known}; `capstone-eval rubrics list` shows them",
        )
    names = ", ".join(p.stem for p in matches)
    raise ConfigError(f"capstone {capstone!r} matches several rubrics: {names}", hint="name one")


def find_rubric(capstone: str, folder: Path | None = None) -> Rubric:
    """Load the rubric for a capstone id (full or short form) from ``folder`` or the bundle."""
    return load_rubric(find_rubric_path(capstone, folder or rubrics_dir()))


def dump_json(data: Any) -> str:
    """JSON text as committed in ``schemas/`` (stable key order, trailing newline)."""
    import json

    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
