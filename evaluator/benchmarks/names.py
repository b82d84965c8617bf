"""Which benchmark a submission is measured on, when the command line does not say."""

from __future__ import annotations

from evaluator.intake.manifest import Manifest

#: Capstone id prefix -> default benchmark (rubrics may name another).
CAPSTONE_BENCHMARKS: dict[str, str] = {
    "2.1": "digits",
    "2.4a": "kaggle",
    "3.1": "mnist",
    "3.2": "cifar100",
    "3.3": "text-classification",
    "4.1": "lm-perplexity",
}


def benchmark_for(manifest: Manifest | None) -> str | None:
    """The manifest's ``benchmark.name``, else the default for its capstone, else None."""
    if manifest is None:
        return None
    if manifest.benchmark is not None and manifest.benchmark.name:
        return manifest.benchmark.name
    prefix = manifest.capstone.split("-", 1)[0]
    return CAPSTONE_BENCHMARKS.get(prefix)
