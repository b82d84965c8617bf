"""Run an evaluator-owned harness in the sandbox against the learner's workspace.

The host prepares a private temporary folder holding ONLY the inputs the
learner may see plus a copy of the harness, made world-readable so the
sandbox user can read it, and mounts both read-only. Labels never leave the
host. The container has no network, and it is removed after the run.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from evaluator.benchmarks.definition import BenchmarkDefinition, file_sha256
from evaluator.config import MIB, EvaluatorConfig
from evaluator.sandbox.engine import DockerEngine, RunOutcome
from evaluator.sandbox.spec import RunSpec

BENCH_INPUTS = "/bench/inputs"
BENCH_HARNESS = "/bench/harness"
#: Exit status the harnesses use for "learner code raised" (error.json tells more).
EXIT_LEARNER_ERROR = 3


@dataclass(frozen=True, kw_only=True)
class Stage:
    """A prepared run folder: ``inputs/`` and ``harness/`` go in, ``results/`` come back."""

    root: Path
    harness_sha256: str

    @property
    def inputs(self) -> Path:
        """Host folder mounted read-only at /bench/inputs."""
        return self.root / "inputs"

    @property
    def results(self) -> Path:
        """Host folder that receives the container's /results."""
        return self.root / "results"


@contextmanager
def staged(harness: Path) -> Iterator[Stage]:
    """A temporary stage with a copy of ``harness``; removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="capstone-bench-"))
    try:
        for sub in ("inputs", "harness"):
            (root / sub).mkdir()
        copy = root / "harness" / harness.name
        shutil.copyfile(harness, copy)
        stage = Stage(root=root, harness_sha256=file_sha256(copy))
        yield stage
    finally:
        shutil.rmtree(root, ignore_errors=True)


def open_to_sandbox(stage: Stage) -> None:
    """Make the stage readable (not writable) by the sandbox user, which is not the host user."""
    stage.root.chmod(0o755)
    for path in (stage.inputs, stage.root / "harness"):
        path.chmod(0o755)
        for child in path.rglob("*"):
            child.chmod(0o755 if child.is_dir() else 0o644)


def run_harness(
    engine: DockerEngine,
    *,
    image: str,
    workspace: Path,
    stage: Stage,
    harness_name: str,
    args: list[str],
    definition: BenchmarkDefinition,
    config: EvaluatorConfig,
    gpus: bool,
    results: Path,
) -> RunOutcome:
    """Run ``python harness args`` in a locked-down container; outputs land in ``results``."""
    open_to_sandbox(stage)
    limits = replace(config.limits, wall_s=definition.time_budget_s)
    if definition.memory_mb is not None:
        limits = replace(limits, memory_bytes=definition.memory_mb * MIB)
    spec = RunSpec(
        image=image,
        command=["python", f"{BENCH_HARNESS}/{harness_name}", *args],
        limits=limits,
        ro_binds=((stage.inputs, BENCH_INPUTS), (stage.root / "harness", BENCH_HARNESS)),
        gpus=gpus,
        purpose=f"benchmark-{definition.name}",
    )
    return engine.run(spec, workspace=workspace, collect_to=results)


def read_json(path: Path, limit: int = 1 << 20) -> dict[str, Any]:
    """A small JSON object written in the sandbox ({} when missing, too big or malformed)."""
    if not path.is_file() or path.stat().st_size > limit:
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def outcome_failure(
    outcome: RunOutcome, definition: BenchmarkDefinition, config: EvaluatorConfig, what: str
) -> tuple[str, str] | None:
    """(failure kind, sentence) when the run did not finish cleanly, else None."""
    memory = definition.memory_mb * MIB if definition.memory_mb else config.limits.memory_bytes
    if outcome.timed_out:
        return "timeout", (
            f"{what} did not finish within the benchmark's time budget of "
            f"{definition.time_budget_s:.0f} s and was stopped"
        )
    if outcome.oom_killed or outcome.exit_code == 137:
        return "oom", (
            f"{what} was killed for using more than {memory / 1024**3:.1f} GiB of memory "
            "(the sandbox memory limit)"
        )
    if outcome.exit_code == EXIT_LEARNER_ERROR and outcome.results_dir is not None:
        error = read_json(outcome.results_dir / "error.json")
        if error:
            stage = str(error.get("stage", "predict"))
            if stage == "output":
                return "invalid-predictions", f"{what} returned unusable output: " + str(
                    error.get("message", "")
                )[:500]
            return "exception", (
                f"{what}: {stage} raised {error.get('type', 'an exception')}: "
                f"{str(error.get('message', ''))[:500]}"
            )
    if outcome.exit_code != 0:
        reason = (
            outcome.failure_reason(definition.time_budget_s, memory, config.limits.pids)
            or f"exited with code {outcome.exit_code}"
        )
        return "crash", f"{what} {reason}"
    return None


def learner_traceback(outcome: RunOutcome) -> str:
    """Traceback from error.json if the harness wrote one, else the stderr tail."""
    if outcome.results_dir is not None:
        error = read_json(outcome.results_dir / "error.json")
        if error.get("traceback"):
            return str(error["traceback"])
    return outcome.stderr[-4000:]


Progress = Callable[[str], None]
