"""Public test sets through the real sandbox: a label lookup in a shipped copy no longer
works on the perturbed hidden images, and a copy in the workspace or in an installed
dependency is flagged; the honest twin keeps its grade."""

from __future__ import annotations

import gzip
import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from evaluator.benchmarks.data.formats import encode_idx
from evaluator.checks.benchmark import BenchmarkRequest, run_one
from evaluator.config import EvaluatorConfig, load_config
from evaluator.intake.manifest import load_manifest
from evaluator.model.report import CheckResult, Finding, Status
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.spec import RunSpec
from tests.adversarial import image_sets
from tests.conftest import write_tree
from tests.integration.benchmarks.conftest import bench_run

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def mnist_config(tmp_path_factory: pytest.TempPathFactory) -> EvaluatorConfig:
    """The tests' MNIST-format hidden split, imported as the mnist benchmark's data."""
    root = tmp_path_factory.mktemp("mnist-data")
    config = replace(load_config(os.environ), data_dir=root / "data")
    image_sets.import_hidden(config.data_dir, root / "source")
    return config


def evaluate_benchmark(
    engine: DockerEngine, config: EvaluatorConfig, repo: Path, image: str | None = None
) -> tuple[CheckResult, list[Finding]]:
    """The mnist check and its integrity findings, as the pipeline's benchmark step makes them."""
    request = BenchmarkRequest(
        engine=engine,
        image=image or config.sandbox_image,
        sandbox_image=config.sandbox_image,
        installed=True,
        workspace=repo,
        manifest=load_manifest(repo).manifest,
        config=config,
        progress=lambda _message: None,
    )
    return run_one(request, "mnist")


def lookup_repo(root: Path) -> Path:
    images, labels = image_sets.make_set(seed=42, count=300)  # the public copy of the test set
    copy = image_sets.npz_bytes(images=images, labels=labels)
    return write_tree(
        root,
        {"capstone.yaml": image_sets.MANIFEST, "model.py": image_sets.LOOKUP,
         "data/mnist_test.npz": copy},
    )  # fmt: skip


def test_label_lookup_fails_on_perturbed_images_and_its_copy_is_flagged(
    engine: DockerEngine, mnist_config: EvaluatorConfig, tmp_path: Path
) -> None:
    repo = lookup_repo(tmp_path / "repo")
    # Before: the hidden images as they are public, the lookup is perfect.
    exact = bench_run(engine, mnist_config, repo, "mnist", public_data=None)
    assert exact.metrics["accuracy"] == 1.0
    check, integrity = evaluate_benchmark(engine, mnist_config, repo)
    assert check.status is Status.FAIL
    assert float(check.metrics["accuracy"]) < 0.3  # type: ignore[arg-type]
    assert check.details["perturbation"]["amplitude"] >= 1
    assert [(f.code, f.path) for f in integrity] == [
        ("integrity/test-set-copy", "data/mnist_test.npz!images.npy")
    ]
    assert "16 of 16 sampled hidden examples" in integrity[0].message
    assert "flagged" in check.summary


@pytest.fixture
def image_with_copy(engine: DockerEngine, tmp_path: Path) -> Iterator[str]:
    """A learner dependency image whose site-packages carry the test set as gzipped IDX."""
    config = load_config(os.environ)
    images, _ = image_sets.make_set(seed=42, count=300)
    package = write_tree(
        tmp_path / "package",
        {
            "mnist_copy/__init__.py": "",
            "mnist_copy/t10k-images-idx3-ubyte.gz": gzip.compress(encode_idx(images)),
        },
    )
    tag = f"capstone-evaluator/test-deps:{uuid.uuid4().hex[:12]}"
    install = (
        "import shutil, sysconfig; shutil.copytree('/workspace/mnist_copy', "
        "sysconfig.get_paths()['purelib'] + '/mnist_copy', copy_function=shutil.copy)"
    )
    spec = RunSpec(
        image=config.sandbox_image,
        command=["python", "-c", install],
        limits=config.limits,
        user="0:0",
        read_only=False,
        purpose="test-deps-image",
    )
    outcome = engine.run(spec, workspace=package, commit_as=tag)
    assert outcome.ok, outcome.stderr
    yield tag
    engine.client.images.remove(tag, force=True)


def test_copy_in_an_installed_dependency_is_flagged(
    engine: DockerEngine, mnist_config: EvaluatorConfig, tmp_path: Path, image_with_copy: str
) -> None:
    repo = write_tree(tmp_path / "repo", image_sets.honest_files())
    check, integrity = evaluate_benchmark(engine, mnist_config, repo, image=image_with_copy)
    assert check.status is Status.PASS, check.summary  # the model is honest; the copy is flagged
    assert integrity, check.details["copy_scan"]
    [finding] = integrity
    assert finding.code == "integrity/test-set-copy"
    assert finding.path.startswith("installed dependency: /")
    assert finding.path.endswith("mnist_copy/t10k-images-idx3-ubyte.gz")


def test_honest_twin_keeps_its_grade(
    engine: DockerEngine, mnist_config: EvaluatorConfig, tmp_path: Path
) -> None:
    repo = write_tree(tmp_path / "repo", image_sets.honest_files())
    check, integrity = evaluate_benchmark(engine, mnist_config, repo)
    assert check.status is Status.PASS, check.summary
    assert float(check.metrics["accuracy"]) >= 0.97  # type: ignore[arg-type]
    assert integrity == [] and check.details["copy_scan"]["flagged"] == []
