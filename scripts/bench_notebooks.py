"""How long notebooks and services take in the sandbox, end to end and inside the container.

    CAPSTONE_EVAL_IMAGE=... .venv/bin/python scripts/bench_notebooks.py [--repeat 5]
        [--fastapi-image capstone-evaluator/deps:TAG]

Each row runs one check the way an evaluation does (a fresh container per run)
and prints the median and the fastest wall time of ``--repeat`` runs, with what
the in-sandbox runner measured itself (kernel and cells, or readiness and probes):
the difference is the container's start, the copy of the workspace and the
runner's own start. ``--fastapi-image`` adds a FastAPI service row (an image with
fastapi and uvicorn, e.g. the dependency layer of an evaluated 2.2 repository).
Prints figures; asserts nothing. Needs the Docker engine and the sandbox image.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repositories live with the tests

from evaluator.checks.notebooks import notebook_checks  # noqa: E402
from evaluator.checks.service import service_checks  # noqa: E402
from evaluator.config import EvaluatorConfig, load_config  # noqa: E402
from evaluator.intake.manifest import parse_manifest  # noqa: E402
from evaluator.model.report import CheckResult  # noqa: E402
from evaluator.sandbox.engine import DockerEngine  # noqa: E402
from evaluator.services.probes import Probe  # noqa: E402
from tests.adversarial.test_notebooks_forgery import HONEST_SERVICE, SERVICE_MANIFEST  # noqa: E402
from tests.conftest import write_tree  # noqa: E402
from tests.notebook_files import DATABRICKS_EXPORT, FAILS_IN_CELL_3, notebook, plots_notebook  # noqa: E402
from tests.service_repos import PREDICT_APP, service_repo  # noqa: E402

PROBES = [Probe(id="predict", repeat=20), Probe(id="bad_input", body="malformed", expect="rejects")]


def run_notebooks(
    engine: DockerEngine, config: EvaluatorConfig, files: dict[str, str]
) -> tuple[float, CheckResult]:
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(Path(tmp), files)
        began = time.monotonic()
        (check,) = notebook_checks(
            engine, image=config.sandbox_image, installed=True, workspace=Path(tmp), manifest=None,
            asked={"notebooks"}, config=config, progress=lambda _m: None,
        )  # fmt: skip
        return time.monotonic() - began, check


def run_service(
    engine: DockerEngine, config: EvaluatorConfig, files: dict[str, str], image: str
) -> tuple[float, CheckResult]:
    manifest = parse_manifest(files["capstone.yaml"]).manifest
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(Path(tmp), files)
        began = time.monotonic()
        (check,) = service_checks(
            engine, image=image, installed=True, workspace=Path(tmp), manifest=manifest,
            probes=PROBES, wanted=True, config=config, progress=lambda _m: None,
        )  # fmt: skip
        return time.monotonic() - began, check


def inside(check: CheckResult) -> str:
    metrics = check.metrics
    if check.id == "notebooks":
        return f"kernels and cells {metrics['duration_s']:.2f} s, {metrics['figures']} figures"
    return (
        f"ready {metrics.get('ready_s')} s, predict p50 {metrics.get('predict_p50_ms')} ms "
        f"p95 {metrics.get('predict_p95_ms')} ms, status {check.status}"
    )


def row(name: str, repeat: int, run: Callable[[], tuple[float, CheckResult]]) -> None:
    times, last = [], None
    for _ in range(repeat):
        seconds, last = run()
        times.append(seconds)
    if last is None:
        return
    print(
        f"{name:<44} median {statistics.median(times):6.2f} s  min {min(times):6.2f} s  "
        f"({inside(last)})",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fastapi-image", help="an image with fastapi and uvicorn installed")
    args = parser.parse_args()
    config = load_config(os.environ)
    engine = DockerEngine.connect(config.docker_host)
    print(f"image {config.sandbox_image}, {os.cpu_count()} cores, {args.repeat} runs per row")
    one_cell = {"small.ipynb": notebook([("code", "x = 1\nx")])}
    figures = {"plots.ipynb": plots_notebook(5)}
    several = {
        "plots.ipynb": plots_notebook(5),
        "fails.ipynb": FAILS_IN_CELL_3,
        "sales.py": DATABRICKS_EXPORT,
    }
    row("notebook, one cell", args.repeat, lambda: run_notebooks(engine, config, one_cell))
    row(
        "notebook, 5 matplotlib figures + a DataFrame",
        args.repeat,
        lambda: run_notebooks(engine, config, figures),
    )
    row(
        "3 notebooks (figures, failing, Databricks)",
        args.repeat,
        lambda: run_notebooks(engine, config, several),
    )
    stdlib = {"capstone.yaml": SERVICE_MANIFEST, "server.py": HONEST_SERVICE}
    row(
        "service, http.server: start, 23 probes, stop",
        args.repeat,
        lambda: run_service(engine, config, stdlib, config.sandbox_image),
    )
    if args.fastapi_image:
        fastapi = service_repo(PREDICT_APP)
        row(
            "service, FastAPI/uvicorn: same",
            args.repeat,
            lambda: run_service(engine, config, fastapi, args.fastapi_image),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
