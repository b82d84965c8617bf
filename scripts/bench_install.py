"""Figures for the install phase (prints them; asserts nothing).

    .venv/bin/python scripts/bench_install.py [--rebuild-313]

- cold and warm install of a FastAPI + scikit-learn service's dependencies
  (cold: empty wheel cache, no layer; warm: the same repository again);
- wheel cache size after evaluating the bundled examples (fresh cache);
- with --rebuild-313: time to build the Python 3.13 image, base included, on
  this engine (removes this checkout's 3.13 image and the trixie base first).

Set CAPSTONE_EVAL_IMAGE as for any evaluation.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evaluator.config import EvaluatorConfig, load_config
from evaluator.install.cache import WheelCache
from evaluator.intake.source import Source
from evaluator.model.report import Report
from evaluator.pipeline import EvaluationRequest, evaluate
from evaluator.sandbox.debian import offline_base_tag
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.interpreters import interpreter_image

ROOT = Path(__file__).resolve().parents[1]
SERVICE = {
    "requirements.txt": "fastapi>=0.110\nuvicorn>=0.29\nscikit-learn>=1.4\npydantic>=2.6\n",
    "requirements-dev.txt": "httpx>=0.27\npytest>=8\n",
    "service/__init__.py": "",
    "service/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
    "@app.get('/health')\ndef health() -> dict[str, str]:\n    return {'status': 'ok'}\n",
    "tests/test_app.py": "from fastapi.testclient import TestClient\n\n"
    "from service.app import app\n\n\ndef test_health():\n"
    "    assert TestClient(app).get('/health').json() == {'status': 'ok'}\n",
}


def run(path: Path, config: EvaluatorConfig, engine: DockerEngine) -> tuple[Report, float]:
    began = time.perf_counter()
    request = EvaluationRequest(source=Source(location=str(path)), capstone="2.2")
    report = evaluate(request, config, progress=lambda _m: None, engine=engine)
    return report, time.perf_counter() - began


def install_line(label: str, report: Report) -> str:
    check = report.check("install")
    m = check.metrics if check is not None else {}
    tests = report.check("tests")
    return (
        f"{label}: install phase {report.timings.phases['install']:.2f} s "
        f"({m.get('installed')} wheels, "
        f"{int(m.get('downloaded_bytes') or 0) / 1e6:.1f} MB downloaded, "
        f"layer cached: {m.get('cached')}, resolution cached: {m.get('resolution_cached')}); "
        f"tests: {tests.summary if tests else '-'}"
    )


def service_figures(config: EvaluatorConfig, engine: DockerEngine) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp:
        repo = Path(tmp) / "service"
        for name, text in SERVICE.items():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_text(text)
        cold_config = dataclasses.replace(config, wheel_cache=Path(tmp) / "cache")
        probe, _ = run(repo, cold_config, engine)  # learns the layer's tag
        layer = probe.sandbox.deps_image if probe.sandbox else None
        if layer:
            engine.client.images.remove(layer)
        cold_config = dataclasses.replace(config, wheel_cache=Path(tmp) / "cold-cache")
        cold, cold_total = run(repo, cold_config, engine)
        warm, warm_total = run(repo, cold_config, engine)
        print(
            install_line("FastAPI + scikit-learn, cold", cold) + f"; evaluation {cold_total:.1f} s"
        )
        print(
            install_line("FastAPI + scikit-learn, warm", warm) + f"; evaluation {warm_total:.1f} s"
        )


def example_cache_size(config: EvaluatorConfig, engine: DockerEngine) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as tmp:
        fresh = dataclasses.replace(config, wheel_cache=Path(tmp))
        for example in sorted((ROOT / "examples").iterdir()):
            report, took = run(example, fresh, engine)
            print(install_line(f"example {example.name}", report) + f"; evaluation {took:.1f} s")
        size = WheelCache(root=Path(tmp)).size_bytes()
        print(f"wheel cache after the bundled examples: {size / 1024:.1f} KiB")


def rebuild_313(config: EvaluatorConfig, engine: DockerEngine) -> None:
    image = interpreter_image(config.sandbox_image, "3.13")
    for tag in (image, offline_base_tag("trixie")):
        if engine.image_id(tag):
            engine.client.images.remove(tag)
    began = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).with_name("capstone-eval")),
            "sandbox",
            "setup",
            "--python",
            "3.13",
            "--force",
        ],
        check=True,
    )
    print(f"Python 3.13 image, base included: {time.perf_counter() - began:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild-313", action="store_true")
    args = parser.parse_args()
    config = load_config(os.environ)
    engine = DockerEngine.connect(config.docker_host)
    print(f"sandbox image: {config.sandbox_image}, {os.cpu_count()} CPUs")
    service_figures(config, engine)
    example_cache_size(config, engine)
    if args.rebuild_313:
        rebuild_313(config, engine)


if __name__ == "__main__":
    main()
