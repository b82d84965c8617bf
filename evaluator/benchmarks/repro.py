"""The reproducibility record of a benchmark run (``details.reproducibility``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evaluator import __version__
from evaluator.benchmarks.sandboxed import BenchContext
from evaluator.sandbox.engine import DockerEngine


def cpu_model(cpuinfo: str) -> str | None:
    """The CPU model name from ``/proc/cpuinfo`` text (pure)."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "cpu model") and value.strip():
            return value.strip()
    return None


def hardware(engine: DockerEngine, *, gpus: bool) -> dict[str, Any]:
    """CPU model, core count, memory and (when GPUs were requested) the GPU runtimes."""
    info: dict[str, Any] = {}
    try:
        engine_info = engine.client.info()
    except Exception:  # noqa: BLE001 - the record is best effort, never a failure
        engine_info = {}
    cpuinfo = Path("/proc/cpuinfo")
    text = cpuinfo.read_text(encoding="utf-8", errors="replace") if cpuinfo.is_file() else ""
    info["cpu"] = cpu_model(text)
    info["cpus"] = engine_info.get("NCPU")
    info["memory_bytes"] = engine_info.get("MemTotal")
    info["os"] = engine_info.get("OperatingSystem")
    info["gpus_requested"] = gpus
    if gpus:
        info["gpu_runtimes"] = sorted((engine_info.get("Runtimes") or {}).keys())
    return info


def image_record(engine: DockerEngine, image: str) -> dict[str, Any]:
    """Tag, id and registry digests of the image the learner code ran in."""
    record: dict[str, Any] = {"image": image, "image_id": None, "image_digests": []}
    try:
        found = engine.client.images.get(image)
    except Exception:  # noqa: BLE001 - best effort
        return record
    record["image_id"] = str(found.id)
    record["image_digests"] = list(found.attrs.get("RepoDigests") or [])
    return record


def record(
    ctx: BenchContext,
    *,
    data_files: dict[str, str],
    harness_sha256: str,
    seeds: dict[str, int | None],
    wall_s: float,
) -> dict[str, Any]:
    """Everything needed to re-run and compare this measurement."""
    return {
        **image_record(ctx.engine, ctx.image),
        "evaluator_version": __version__,
        "data_files": data_files,
        "harness": {"path": ctx.definition.harness, "sha256": harness_sha256},
        "seeds": seeds,
        "hardware": hardware(ctx.engine, gpus=ctx.gpus),
        "wall_s": round(wall_s, 3),
    }
