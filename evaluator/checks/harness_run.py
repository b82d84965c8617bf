"""Run one of the evaluator's in-sandbox harnesses (``sandbox/harness/``) on a workspace.

The host stages a private folder with the harness scripts and the run's inputs
(a JSON plan, prepared notebooks), readable by the sandbox user, and mounts it
read-only; the harness writes one JSON report to /results. Nothing secret is
staged: labels and hidden answers stay on the host.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluator.config import SandboxLimits
from evaluator.paths import bundled
from evaluator.sandbox.engine import DockerEngine, RunOutcome
from evaluator.sandbox.spec import RESULTS, RunSpec

HARNESS_DIR = "/capstone-harness"
RESULTS_NAME = "run.json"
MAX_RESULTS_BYTES = 16 * 1024 * 1024
#: What the harness needs from the sandbox image; its absence is the operator's to fix.
_TOOL_MISSING = (
    "No module named 'nbclient'",
    "No module named 'nbformat'",
    "No module named 'jupyter_client'",
    "No module named 'ipykernel'",
)


@dataclass(frozen=True, kw_only=True)
class HarnessRun:
    """How the container ended, and the harness's report ({} when it wrote none)."""

    outcome: RunOutcome
    report: dict[str, Any]
    limits: SandboxLimits

    @property
    def problem(self) -> str | None:
        """A sentence naming the limit that stopped the run, or None."""
        limits = self.limits
        return self.outcome.failure_reason(limits.wall_s, limits.memory_bytes, limits.pids)

    @property
    def image_lacks_tools(self) -> bool:
        """The sandbox image has no notebook tooling (built before it was added)."""
        return any(marker in self.outcome.stderr for marker in _TOOL_MISSING)


def read_report(path: Path) -> dict[str, Any]:
    """A JSON object written in the sandbox; {} when missing, too big or malformed."""
    if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_RESULTS_BYTES:
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _stage(folder: Path, inputs: Mapping[str, bytes]) -> None:
    """The harness scripts and the inputs, readable (not writable) by the sandbox user."""
    folder.mkdir(mode=0o755)
    for script in sorted(bundled("sandbox").joinpath("harness").glob("*.py")):
        shutil.copyfile(script, folder / script.name)
    for name, data in inputs.items():
        (folder / name).write_bytes(data)
    folder.chmod(0o755)
    for child in folder.iterdir():
        child.chmod(0o644)


def run_harness(
    engine: DockerEngine,
    *,
    image: str,
    workspace: Path,
    script: str,
    inputs: Mapping[str, bytes],
    limits: SandboxLimits,
    purpose: str,
) -> HarnessRun:
    """Run ``python -I <script> plan.json /results/run.json`` against a copy of ``workspace``.

    ``inputs`` must hold ``plan.json``; file names are flat (no folders).
    """
    with tempfile.TemporaryDirectory(prefix="capstone-harness-") as tmp:
        stage = Path(tmp) / "stage"
        _stage(stage, inputs)
        spec = RunSpec(
            image=image,
            command=[
                "python",
                "-I",
                f"{HARNESS_DIR}/{script}",
                f"{HARNESS_DIR}/plan.json",
                f"{RESULTS}/{RESULTS_NAME}",
            ],
            limits=limits,
            ro_binds=((stage, HARNESS_DIR),),
            purpose=purpose,
        )
        results = Path(tmp) / "results"
        outcome = engine.run(spec, workspace=workspace, collect_to=results)
        return HarnessRun(
            outcome=outcome, report=read_report(results / RESULTS_NAME), limits=limits
        )
