"""The learner manifest, ``capstone.yaml`` at the repository root.

A missing or malformed manifest is a failed ``manifest`` check (what is wrong,
where, and a valid example); it never stops the rest of the evaluation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, JsonValue, ValidationError, field_validator

from evaluator.documents import DocumentError, TooDeep, parse_yaml
from evaluator.model.base import FrozenModel
from evaluator.model.report import CheckResult, Finding, Status

MANIFEST_NAME = "capstone.yaml"
MAX_MANIFEST_BYTES = 64 * 1024

EXAMPLE_MANIFEST = """\
# capstone.yaml: tells the evaluator what this repository answers
capstone: 1.1-file-organizer      # capstone id from the programme's rubric list
source: [file_organizer]          # your packages (coverage measures all of them anyway)
tests: [tests]                    # where your tests are (every test in the repository runs)
cli: python -m file_organizer     # how to run your tool; the evaluator's tests append a folder
"""

_CAPSTONE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_MODULE_PATH = re.compile(r"^[A-Za-z_][\w.]*$")


_URL_PATH = re.compile(r"^/[\x21-\x7e]*$")
#: The sandbox user holds no capabilities, so it cannot listen below this port.
FIRST_UNPRIVILEGED_PORT = 1024


def _relative(value: str) -> str:
    path = Path(value)
    if path.is_absolute() or ".." in path.parts or value.startswith("-"):
        raise ValueError(f"{value!r} must be a relative path inside the repository")
    return value


class ServiceEntry(FrozenModel):
    """How to start the learner's service (API capstones) and where its endpoints are.

    What is probed, and what counts as an answer, is the rubric's: the learner
    says where an endpoint lives (``endpoints``) and gives a request body the
    model understands (``examples``), since features are the learner's own.
    """

    command: str = Field(description="Shell command that starts the service (in the repo root).")
    port: int = Field(default=8000, le=65535, description="Port it listens on (1024 or above).")
    ready_path: str = Field(
        default="/health", description="Path polled until the service answers it."
    )
    ready_timeout_s: float = Field(
        default=60, gt=0, le=300, description="How long the service may take to answer."
    )
    endpoints: dict[str, str] = Field(
        default_factory=dict,
        description="Probe id -> path on this service, e.g. {stream: /chat} "
        "(default: the rubric's path).",
    )
    examples: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="Probe id -> JSON request body the service answers, e.g. "
        "{predict: {features: [5.1, 3.5, 1.4, 0.2]}}.",
    )

    @field_validator("port")
    @classmethod
    def _unprivileged(cls, value: int) -> int:
        if value < FIRST_UNPRIVILEGED_PORT:
            raise ValueError(
                f"port {value} needs privileges the sandbox does not grant: listen on 8000 "
                f"(or another port from {FIRST_UNPRIVILEGED_PORT})"
            )
        return value

    @field_validator("ready_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not _URL_PATH.match(value):
            raise ValueError(f"{value!r} must be a URL path such as '/health'")
        return value

    @field_validator("endpoints")
    @classmethod
    def _paths(cls, value: dict[str, str]) -> dict[str, str]:
        for path in value.values():
            cls._path(path)
        return value


class PipelineEntry(FrozenModel):
    """A data pipeline the evaluator runs before the notebooks (``pipeline:``)."""

    command: str = Field(
        description="Shell command that runs the whole pipeline offline, e.g. "
        "'python -m etl.run' or 'jupyter execute pipeline.ipynb'."
    )
    database: str | None = Field(
        default=None, description="SQLite file the pipeline writes, relative to the repo root."
    )
    tables: list[str] = Field(
        default_factory=list, description="Tables the database must hold, each with rows."
    )
    time_budget_s: float = Field(
        default=600, gt=0, le=3600, description="How long the pipeline may run."
    )

    @field_validator("database")
    @classmethod
    def _inside(cls, value: str | None) -> str | None:
        return _relative(value) if value is not None else None


class TrainEntry(FrozenModel):
    """A training command and its time budget (accepted; not run: the manifest check says so)."""

    command: str
    time_budget_s: int = Field(default=1800, ge=1)


_ENTRY_POINT = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class KaggleEntry(FrozenModel):
    """Which Kaggle competition and team the leaderboard percentile is read for."""

    competition: str = Field(description="Competition slug, e.g. 'titanic'.")
    team: str = Field(description="Team name (or numeric team id) as on the leaderboard.")


class BenchmarkEntry(FrozenModel):
    """The learner's benchmark entry points (``benchmark:`` in capstone.yaml).

    Classification benchmarks call ``predict``; ``lm-perplexity`` calls
    ``encode``, ``decode``, ``logprobs`` and reads ``vocab_size``; ``kaggle``
    reads ``kaggle`` or ``submission``. Entry points are
    ``package.module:attribute``. Which benchmark runs is the rubric's choice.
    """

    name: str | None = Field(
        default=None,
        description="Ignored: the capstone's rubric decides which benchmark runs (a name that "
        "differs is reported on the benchmark check).",
    )
    predict: str | None = Field(
        default=None, description="predict(batch) -> (N,) class ids or (N, K) scores."
    )
    encode: str | None = Field(default=None, description="encode(text) -> list[int].")
    decode: str | None = Field(
        default=None,
        description="decode(list[int]) -> text; must give the held-out text back exactly.",
    )
    logprobs: str | None = Field(
        default=None, description="logprobs(tokens int64 (B, T)) -> float (B, T, V) log-softmax."
    )
    vocab_size: str | None = Field(
        default=None, description="An int attribute (or a function returning it)."
    )
    results: str | None = Field(
        default=None, description="JSON/YAML file with the metrics the learner claims."
    )
    submission: str | None = Field(
        default=None, description="Kaggle-style submission CSV (internal competitions)."
    )
    kaggle: KaggleEntry | None = None

    @field_validator("predict", "encode", "decode", "logprobs", "vocab_size")
    @classmethod
    def _entry_point(cls, value: str | None) -> str | None:
        if value is not None and not _ENTRY_POINT.match(value):
            raise ValueError(f"{value!r} must look like 'package.module:function'")
        return value

    @field_validator("results", "submission")
    @classmethod
    def _inside(cls, value: str | None) -> str | None:
        if value is not None:
            path = Path(value)
            if path.is_absolute() or ".." in path.parts or value.startswith("-"):
                raise ValueError(f"{value!r} must be a relative path inside the repository")
        return value

    def entry(self, name: str) -> str | None:
        """The entry point called ``name`` ('predict', 'encode', ...), if given."""
        value = getattr(self, name, None)
        return value if isinstance(value, str) else None


class Manifest(FrozenModel):
    """Validated content of ``capstone.yaml``."""

    capstone: str = Field(description="Capstone id, e.g. '1.1-file-organizer' or '3.1'.")
    source: list[str] = Field(
        default_factory=list,
        description="The learner's packages; coverage measures every learner package "
        "regardless, and a narrower list is flagged.",
    )
    tests: list[str] = Field(
        default_factory=list,
        description="Where the tests are; every test in the repository runs regardless, and "
        "tests this list leaves out are flagged.",
    )
    notebooks: list[str] = Field(default_factory=list, description="Notebooks to execute.")
    benchmark: BenchmarkEntry | None = Field(
        default=None, description="Benchmark entry points, e.g. {predict: 'pkg.mod:predict'}."
    )
    train: TrainEntry | None = None
    service: ServiceEntry | None = None
    pipeline: PipelineEntry | None = None
    cli: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Shell command that runs the learner's command-line tool in the "
        "repository root; the rubric's hidden tests append their arguments "
        "(e.g. 'python -m file_organizer --verbose').",
    )

    def entry_points(self) -> list[str]:
        """Every ``package.module:attribute`` entry point the manifest names, in field order."""
        if self.benchmark is None:
            return []
        values = self.benchmark.model_dump().values()
        return [v for v in values if isinstance(v, str) and _ENTRY_POINT.match(v)]

    @field_validator("capstone")
    @classmethod
    def _capstone_id(cls, value: str) -> str:
        if not _CAPSTONE_ID.match(value):
            raise ValueError(
                "must be a capstone id such as '1.1-file-organizer' "
                "(letters, digits, '.', '-', '_')"
            )
        return value

    @field_validator("source", "tests", "notebooks", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("source", "tests", "notebooks")
    @classmethod
    def _relative_paths(cls, values: list[str]) -> list[str]:
        for value in values:
            path = Path(value)
            if path.is_absolute() or ".." in path.parts or value.startswith("-"):
                raise ValueError(f"{value!r} must be a relative path inside the repository")
        return values


@dataclass(frozen=True, kw_only=True)
class ManifestOutcome:
    """The manifest (when valid) and the ``manifest`` check that reports on it."""

    manifest: Manifest | None
    check: CheckResult


def _fail(summary: str, findings: list[Finding]) -> ManifestOutcome:
    return ManifestOutcome(
        manifest=None,
        check=CheckResult(
            id="manifest",
            status=Status.FAIL,
            summary=summary,
            findings=findings,
            details={"example": EXAMPLE_MANIFEST},
        ),
    )


def key_line(text: str, key: str) -> int | None:
    """Best-effort 1-based line of a top-level key in manifest text."""
    match = re.compile(rf"^{re.escape(key)}\s*:", re.MULTILINE).search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def manifest_key_line(workspace: Path, key: str) -> int | None:
    """The line of a top-level key in the workspace's capstone.yaml, if it is there."""
    path = workspace / MANIFEST_NAME
    if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_MANIFEST_BYTES:
        return None
    return key_line(path.read_text(encoding="utf-8", errors="replace"), key)


def _yaml_line(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Best-effort line of the top-level key named first in a pydantic error location."""
    if not loc or not isinstance(loc[0], str):
        return None
    return key_line(text, loc[0])


def parse_manifest(text: str) -> ManifestOutcome:
    """Validate manifest text (pure: no file access)."""
    try:
        data = parse_yaml(text)
    except TooDeep:
        return _fail(
            f"{MANIFEST_NAME} nests lists or mappings too deeply to read",
            [Finding(path=MANIFEST_NAME, code="manifest-yaml", message="nested too deeply")],
        )
    except DocumentError as exc:
        return _fail(
            f"{MANIFEST_NAME} is not valid YAML: {exc.problem}",
            [Finding(path=MANIFEST_NAME, line=exc.line, code="manifest-yaml", message=exc.problem)],
        )
    if not isinstance(data, dict):
        return _fail(
            f"{MANIFEST_NAME} must be a mapping of keys to values",
            [Finding(path=MANIFEST_NAME, line=1, code="manifest-shape", message="not a mapping")],
        )
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        findings = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            findings.append(
                Finding(
                    path=MANIFEST_NAME,
                    line=_yaml_line(text, err["loc"]),
                    code="manifest-field",
                    message=f"{where}: {message}",
                )
            )
        first = findings[0].message
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        return _fail(f"{MANIFEST_NAME} is invalid: {first}{more}", findings)
    summary, notes = f"{MANIFEST_NAME} names capstone {manifest.capstone}", []
    if manifest.train is not None:
        summary += "; its train: command is not run"
        notes.append(
            Finding(
                path=MANIFEST_NAME,
                line=key_line(text, "train"),
                code="manifest-train-not-run",
                message="train: is not run by the evaluator: benchmarks score the model the "
                "repository holds, so commit the trained weights your predict entry point loads",
            )
        )
    return ManifestOutcome(
        manifest=manifest,
        check=CheckResult(
            id="manifest",
            status=Status.PASS,
            summary=summary,
            findings=notes,
            metrics={"capstone": manifest.capstone},
        ),
    )


def load_manifest(workspace: Path) -> ManifestOutcome:
    """Read and validate ``capstone.yaml`` from a workspace."""
    path = workspace / MANIFEST_NAME
    if not path.is_file() or path.is_symlink():
        return _fail(
            f"no {MANIFEST_NAME} at the repository root: add one (see the example)",
            [
                Finding(
                    path=MANIFEST_NAME,
                    code="manifest-missing",
                    message=f"create {MANIFEST_NAME} at the repository root",
                )
            ],
        )
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        return _fail(
            f"{MANIFEST_NAME} is larger than {MAX_MANIFEST_BYTES // 1024} KiB",
            [Finding(path=MANIFEST_NAME, code="manifest-size", message="file too large")],
        )
    return parse_manifest(path.read_text(encoding="utf-8", errors="replace"))
