"""Run evaluator-owned harness steps in the sandbox against the learner's workspace.

Every step gets a fresh container and its own private folder holding ONLY the
inputs that step may see, plus a copy of the harness and of the shared harness
helpers; both are made world-readable (the sandbox user is not the host user)
and mounted read-only. Steps share no writable state: what one step wrote comes
back to the host, which decides what the next step receives. Labels never leave
the host. Containers have no network and are removed after the run.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from evaluator.benchmarks.definition import (
    HARNESS_HELPERS,
    BenchmarkDefinition,
    benchmarks_root,
    file_sha256,
)
from evaluator.config import MIB, EvaluatorConfig
from evaluator.sandbox.engine import DockerEngine, RunOutcome
from evaluator.sandbox.spec import RunSpec

BENCH_INPUTS = "/bench/inputs"
BENCH_HARNESS = "/bench/harness"

Progress = Callable[[str], None]
#: Writes the files one step may see into the folder it is given.
InputWriter = Callable[[Path], None]


@dataclass(frozen=True, kw_only=True)
class BenchContext:
    """What every sandboxed step of one benchmark run shares."""

    engine: DockerEngine
    image: str
    """The image learner code runs in (the sandbox image or the learner's dependency layer)."""
    workspace: Path
    definition: BenchmarkDefinition
    config: EvaluatorConfig
    threshold: float
    gpus: bool = False
    progress: Progress = print
    root: Path | None = None
    """Folder of benchmark definitions and harnesses [default: the bundled one]."""

    @property
    def benchmarks(self) -> Path:
        """The folder holding the definitions and harnesses."""
        return self.root or benchmarks_root()

    @property
    def memory_bytes(self) -> int:
        """The memory limit of this benchmark's runs."""
        memory_mb = self.definition.memory_mb
        return memory_mb * MIB if memory_mb else self.config.limits.memory_bytes


@dataclass(frozen=True, kw_only=True)
class Step:
    """One sandbox run: a harness, its arguments and the inputs it may see."""

    name: str
    """Short name for messages and result folders, e.g. 'encode'."""
    harness: Path
    args: Sequence[str]
    write_inputs: InputWriter
    what: str
    """How messages name what ran, e.g. 'predict (model:predict)'."""
    interpreter: tuple[str, ...] = ("python",)
    with_workspace: bool = True
    """Copy the learner's workspace into /workspace (steps that run learner code)."""


@dataclass(frozen=True, kw_only=True)
class StepResult:
    """What came back from one step."""

    step: Step
    outcome: RunOutcome
    results: Path
    """Host folder holding what the step wrote to /results."""
    harness_sha256: str
    wall_s: float
    problem: tuple[str, str] | None
    """(failure kind, sentence) when the run did not finish cleanly."""

    def log(self) -> str:
        """The learner's traceback from error.json if the harness wrote one, else stderr."""
        error = read_json(self.results / "error.json")
        if error.get("traceback"):
            return str(error["traceback"])
        return self.outcome.stderr[-4000:]


@contextmanager
def scratch() -> Iterator[Path]:
    """A private temporary folder for the steps of one benchmark run; removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="capstone-bench-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _open_to_sandbox(folder: Path) -> None:
    """Readable (not writable) by the sandbox user, which is not the host user."""
    folder.chmod(0o755)
    for child in folder.rglob("*"):
        child.chmod(0o755 if child.is_dir() else 0o644)


def _stage(ctx: BenchContext, folder: Path, step: Step) -> str:
    """Write the step's inputs and harness into ``folder``; returns the harness SHA-256."""
    inputs, harness = folder / "inputs", folder / "harness"
    for sub in (inputs, harness, folder / "results"):
        sub.mkdir(parents=True)
    shutil.copyfile(step.harness, harness / step.harness.name)
    helpers = ctx.benchmarks / HARNESS_HELPERS
    shutil.copyfile(helpers, harness / helpers.name)
    step.write_inputs(inputs)
    _open_to_sandbox(inputs)
    _open_to_sandbox(harness)
    folder.chmod(0o755)
    return file_sha256(harness / step.harness.name)


def run_step(ctx: BenchContext, work: Path, step: Step) -> StepResult:
    """Run one step in a fresh locked-down container; its outputs land in ``work/step.name``."""
    folder = work / step.name
    harness_sha256 = _stage(ctx, folder, step)
    limits = replace(
        ctx.config.limits, wall_s=ctx.definition.time_budget_s, memory_bytes=ctx.memory_bytes
    )
    spec = RunSpec(
        image=ctx.image,
        command=[*step.interpreter, f"{BENCH_HARNESS}/{step.harness.name}", *step.args],
        limits=limits,
        ro_binds=((folder / "inputs", BENCH_INPUTS), (folder / "harness", BENCH_HARNESS)),
        gpus=ctx.gpus,
        purpose=f"benchmark-{ctx.definition.name}-{step.name}",
    )
    started = time.monotonic()
    workspace = ctx.workspace if step.with_workspace else None
    outcome = ctx.engine.run(spec, workspace=workspace, collect_to=folder / "results")
    return StepResult(
        step=step,
        outcome=outcome,
        results=folder / "results",
        harness_sha256=harness_sha256,
        wall_s=time.monotonic() - started,
        problem=step_problem(outcome, folder / "results", ctx, step.what),
    )


def read_json(path: Path, limit: int = 1 << 20) -> dict[str, Any]:
    """A small JSON object written in the sandbox ({} when missing, too big or malformed)."""
    if not path.is_file() or path.stat().st_size > limit:
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def step_problem(
    outcome: RunOutcome, results: Path, ctx: BenchContext, what: str
) -> tuple[str, str] | None:
    """(failure kind, sentence) when the run did not finish cleanly, else None."""
    budget = ctx.definition.time_budget_s
    if outcome.timed_out:
        return "timeout", (
            f"{what} did not finish within the benchmark's time budget of {budget:.0f} s "
            "and was stopped"
        )
    if outcome.oom_killed or outcome.exit_code == 137:
        return "oom", (
            f"{what} was killed for using more than {ctx.memory_bytes / 1024**3:.1f} GiB of "
            "memory (the sandbox memory limit)"
        )
    error = read_json(results / "error.json") if outcome.exit_code != 0 else {}
    if error:
        stage = str(error.get("stage", "predict"))
        message = str(error.get("message", ""))[:500]
        if stage == "output":
            return "invalid-predictions", f"{what} returned unusable output: {message}"
        return "exception", f"{what}: {stage} raised {error.get('type', 'an exception')}: {message}"
    if outcome.exit_code != 0:
        limits = ctx.config.limits
        reason = outcome.failure_reason(budget, ctx.memory_bytes, limits.pids)
        return "crash", f"{what} {reason or f'exited with code {outcome.exit_code}'}"
    return None


def write_json(folder: Path, name: str, data: Any) -> None:
    """Write an input file for a step."""
    (folder / name).write_text(json.dumps(data), encoding="utf-8")
