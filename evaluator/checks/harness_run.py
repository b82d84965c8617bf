"""Run one of the evaluator's in-sandbox harnesses (``sandbox/harness/``) on a workspace.

The host stages a private folder with the harness scripts and the run's inputs
(a JSON plan, prepared notebooks), readable by the sandbox user, and mounts it
read-only. The harness reports on the sandbox's result stream (fd 3), one JSON
event per line: learner code in the container cannot write there, unlike any
file it shares with the harness. Nothing secret is staged: labels and hidden
answers stay on the host.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluator.config import MIB, SandboxLimits
from evaluator.paths import bundled
from evaluator.sandbox.engine import DockerEngine, RunOutcome
from evaluator.sandbox.reaper import scratch_folder
from evaluator.sandbox.spec import RunSpec

HARNESS_DIR = "/capstone-harness"
MAX_EVENTS_BYTES = 32 * MIB
#: What the harness needs from the sandbox image; its absence is the operator's to fix.
_TOOL_MISSING = tuple(
    f"No module named '{name}'" for name in ("nbclient", "nbformat", "jupyter_client", "ipykernel")
)


@dataclass(frozen=True, kw_only=True)
class HarnessRun:
    """How the container ended, and the events the harness reported, in order."""

    outcome: RunOutcome
    limits: SandboxLimits
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def problem(self) -> str | None:
        """A sentence naming the limit that stopped the run, or None."""
        limits = self.limits
        return self.outcome.failure_reason(limits.wall_s, limits.memory_bytes, limits.pids)

    @property
    def image_lacks_tools(self) -> bool:
        """The sandbox image has no notebook tooling (built before it was added)."""
        return any(marker in self.outcome.stderr for marker in _TOOL_MISSING)

    def last(self, event: str) -> dict[str, Any] | None:
        """The data of the last ``event`` reported, if any."""
        return next((data for name, data in reversed(self.events) if name == event), None)

    def every(self, event: str) -> list[dict[str, Any]]:
        """The data of every ``event`` reported, in order."""
        return [data for name, data in self.events if name == event]


def parse_events(stream: bytes) -> list[tuple[str, dict[str, Any]]]:
    """``(event, data)`` of each complete, well-formed JSON line (pure); the rest is dropped."""
    events = []
    for line in stream.split(b"\n"):
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(item, dict) and isinstance(item.get("event"), str):
            data = item.get("data")
            events.append((item["event"], data if isinstance(data, dict) else {}))
    return events


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
    """Run ``python -I -S <script> plan.json`` against a copy of ``workspace``.

    ``inputs`` must hold ``plan.json``; file names are flat (no folders).
    """
    # Named after this process, so the reaper removes it if the evaluator is killed.
    with scratch_folder(kind="harness") as tmp:
        stage = tmp / "stage"
        _stage(stage, inputs)
        spec = RunSpec(
            image=image,
            # -S: no .pth file or sitecustomize of a learner's dependency runs in the
            # harness; it adds the stack's site folders itself when it needs them.
            command=[
                *("python", "-I", "-S"),
                *(f"{HARNESS_DIR}/{script}", f"{HARNESS_DIR}/plan.json"),
            ],
            limits=limits,
            ro_binds=((stage, HARNESS_DIR),),
            purpose=purpose,
            result_stream_bytes=MAX_EVENTS_BYTES,
        )
        outcome = engine.run(spec, workspace=workspace)
    return HarnessRun(outcome=outcome, limits=limits, events=parse_events(outcome.events))
