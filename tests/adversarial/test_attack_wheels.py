"""A package the learner publishes and requires must not change the evaluator's own programs.

The learner's wheels come from the configured index (here an HTTPS index on
loopback) and pip installs whatever they name. Attacks, each through the whole
pipeline and the real sandbox:

- a wheel whose ``.data/scripts/python`` replaces ``/opt/venv/bin/python``, the
  interpreter every evaluator program is started with: the "hidden tests" of a
  tool that does nothing would pass, ``verified``;
- a wheel with Jython's ``org/python/core.py``, which ``copy`` and ``pickle`` of
  the standard library import where it exists: even under ``python -I -S`` it runs
  in the hidden-test harness and rewrites the results it writes;
- a wheel with a ``.pth`` file, which Python runs at start-up in every process
  that reads site-packages: in the service prober it rewrites the report, so a
  service that crashes on bad input would "reject" it, ``verified``.

The first two are refused before pip runs (nothing of them reaches a layer); the
last installs, but no evaluator program reads ``.pth`` files. Honest twins with
an ordinary new package keep their grades.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from evaluator.config import EvaluatorConfig
from evaluator.intake.source import Source
from evaluator.model.criteria import CriterionStatus
from evaluator.model.report import Report, Status
from evaluator.pipeline import EvaluationRequest, evaluate
from evaluator.sandbox.engine import DockerEngine
from tests.adversarial.conftest import check_of, criterion, example_files
from tests.adversarial.wheel_index import Index, build_wheel, https_index
from tests.conftest import write_tree

pytestmark = [pytest.mark.docker, pytest.mark.slow]

#: Stands in for bin/python: forges the hidden tests' results, runs everything else.
FORGED_PYTHON = """\
#!/bin/sh
case "$*" in
  *hidden/harness.py*)
    printf '{"exit_code": 0, "tests": [%s]}' \\
      '{"name": "test_organises", "outcome": "passed", "message": ""}' > /results/hidden-tests.json
    exit 0 ;;
esac
exec /opt/venv/bin/python3 "$@"
"""
#: Imported by copy.py (``from org.python.core import PyStringMap``) in every program.
HARNESS_FORGER = """\
import json

real_dump = json.dump


def dump(document, handle, **options):
    for test in document.get("tests", []) if isinstance(document, dict) else []:
        test.update(outcome="passed", message="")
    real_dump(document, handle, **options)


json.dump = dump
raise ImportError("not Jython")
"""
#: Loaded by a .pth file: inside the service prober, every answer becomes the one wanted.
PROBER_FORGER = """\
import os
import sys

if sys.argv and sys.argv[0].endswith("service.py"):
    sys.path.insert(0, os.path.dirname(sys.argv[0]))
    import _child

    real_emit = _child.emit

    def emit(event, data):
        for probe in data.get("probes", []):
            for answer in probe["requests"]:
                answer.update(status=422 if probe["id"] == "bad_input" else 200, json=True)
        data["died"] = None
        real_emit(event, data)

    _child.emit = emit
"""
#: What the "bloated" package unpacks to: past the limit its test sets.
BLOATED_BYTES = 12 * 2**20
#: A stdlib service: answers /predict, dies on a body without "features".
FRAGILE_SERVICE = """\
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self._answer(200, {"status": "ok"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            features = json.loads(body)["features"]
        except Exception:
            os._exit(3)
        self._answer(200, {"label": int(sum(features) > 10)})

    def _answer(self, status, document):
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


HTTPServer(("127.0.0.1", 8000), Handler).serve_forever()
"""
SERVICE_MANIFEST = """\
capstone: 2.2-production-ml
service:
  command: python -m app
  ready_timeout_s: 30
  examples:
    predict: {features: [5.1, 3.5, 1.4, 0.2]}
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    """The learner's packages: three hostile ones and an honest one."""
    wheels = tmp_path_factory.mktemp("wheels")
    build_wheel(
        wheels,
        "fastgrade",
        "1.0",
        {"fastgrade/__init__.py": "", "fastgrade-1.0.data/scripts/python": FORGED_PYTHON},
    )
    build_wheel(
        wheels,
        "stringmap",
        "1.0",
        {"org/__init__.py": "", "org/python/__init__.py": "", "org/python/core.py": HARNESS_FORGER},
    )
    build_wheel(
        wheels,
        "probehelp",
        "1.0",
        {"probehelp.py": PROBER_FORGER, "probehelp.pth": "import probehelp\n"},
    )
    # Small to download (deflated), large once unpacked; and large to download.
    build_wheel(wheels, "bloated", "1.0", {"bloated/data.txt": "0" * BLOATED_BYTES},
                compression=zipfile.ZIP_DEFLATED)  # fmt: skip
    build_wheel(wheels, "heavy", "1.0", {"heavy/data.txt": base64.b64encode(
        os.urandom(BLOATED_BYTES * 3 // 4)).decode()})  # fmt: skip
    build_wheel(
        wheels,
        "tidyhelp",
        "1.0",
        {"tidyhelp/__init__.py": "def main():\n    print('tidy')\n"},
        console_scripts={"tidyhelp": "tidyhelp:main"},
    )
    with https_index(wheels, tmp_path_factory.mktemp("index")) as served:
        yield served


@pytest.fixture
def learner_config(install_config: EvaluatorConfig, index: Index) -> EvaluatorConfig:
    """The evaluator configured with the learner-reachable index (as an operator's mirror)."""
    return dataclasses.replace(install_config, pip_index_url=index.url, ca_bundle=index.ca_bundle)


def _evaluate(
    root: Path,
    files: dict[str, str],
    engine: DockerEngine,
    config: EvaluatorConfig,
    layers: set[str],
) -> Report:
    """Evaluate ``files`` as a local folder; the dependency layer it made is removed afterwards."""
    write_tree(root, files)
    request = EvaluationRequest(source=Source(location=str(root)))
    report = evaluate(request, config, progress=lambda _m: None, engine=engine)
    if report.sandbox is not None and report.sandbox.deps_image:
        layers.add(report.sandbox.deps_image)
    return report


@pytest.mark.parametrize(
    ("package", "why"),
    [
        ("fastgrade", "would replace /opt/venv/bin/python"),
        ("stringmap", "installs org, a module the standard library imports"),
    ],
)
def test_a_wheel_that_would_run_in_the_hidden_test_harness_is_refused_before_pip_runs(
    tmp_path: Path,
    engine: DockerEngine,
    learner_config: EvaluatorConfig,
    deps_layers: set[str],
    package: str,
    why: str,
) -> None:
    do_nothing = example_files() | {
        "capstone.yaml": "capstone: 1.1-file-organizer\nsource: [file_organizer]\n"
        "cli: python -c pass\n",
        "requirements.txt": f"pytest>=8\n{package}==1.0\n",
    }
    report = _evaluate(tmp_path / "forger", do_nothing, engine, learner_config, deps_layers)
    install = check_of(report, "install")
    assert install.status is Status.FAIL, install.summary
    assert package in install.summary and why in install.summary, install.summary
    assert report.sandbox is None or report.sandbox.deps_image is None
    assert check_of(report, "hidden-tests").status is not Status.PASS
    assert criterion(report, "behaviour").status is not CriterionStatus.PASS


def test_an_honest_package_with_a_command_installs_and_keeps_its_grade(
    tmp_path: Path, engine: DockerEngine, learner_config: EvaluatorConfig, deps_layers: set[str]
) -> None:
    honest = example_files() | {"requirements.txt": "pytest>=8\ntidyhelp==1.0\n"}
    twin = _evaluate(tmp_path / "honest", honest, engine, learner_config, deps_layers)
    assert check_of(twin, "install").status is Status.PASS, check_of(twin, "install").log
    assert check_of(twin, "hidden-tests").status is Status.PASS
    assert criterion(twin, "behaviour").status is CriterionStatus.PASS


def test_a_pth_file_of_a_dependency_never_runs_in_the_service_prober(
    tmp_path: Path, engine: DockerEngine, learner_config: EvaluatorConfig, deps_layers: set[str]
) -> None:
    service = {
        "capstone.yaml": SERVICE_MANIFEST,
        "app/__init__.py": "",
        "app/__main__.py": FRAGILE_SERVICE,
    }
    forged = _evaluate(
        tmp_path / "forger",
        service | {"requirements.txt": "probehelp==1.0\n"},
        engine,
        learner_config,
        deps_layers,
    )
    assert check_of(forged, "install").status is Status.PASS, check_of(forged, "install").log
    honest = _evaluate(
        tmp_path / "honest",
        service | {"requirements.txt": "tidyhelp==1.0\n"},
        engine,
        learner_config,
        deps_layers,
    )
    for report in (forged, honest):
        metrics = check_of(report, "service").metrics
        assert metrics["predict_ok"] == 1, check_of(report, "service").summary
        assert metrics["bad_input_ok"] == 0, check_of(report, "service").summary
    assert criterion(forged, "rejects-bad-input").status is CriterionStatus.FAIL


@pytest.mark.parametrize(
    ("package", "why"),
    [
        # deflated: small to download, 12 MiB once unpacked; the guard refuses it
        ("bloated", "the dependencies unpack to 12 MiB, more than the 8 MiB"),
        # 12 MiB that do not compress: host pip is stopped while it fetches
        ("heavy", "downloading your requirements passed 8 MiB and was stopped"),
    ],
)
def test_dependencies_that_would_fill_the_hosts_disk_never_install(
    tmp_path: Path,
    engine: DockerEngine,
    learner_config: EvaluatorConfig,
    deps_layers: set[str],
    package: str,
    why: str,
) -> None:
    """Downloads and the layer are written to the host's disk: past the limit, nothing installs."""
    files = example_files() | {"requirements.txt": f"pytest>=8\n{package}==1.0\n"}
    limited = dataclasses.replace(learner_config, dependency_bytes=8 * 2**20)
    report = _evaluate(tmp_path / "limited", files, engine, limited, deps_layers)
    install = check_of(report, "install")
    assert install.status is Status.FAIL, install.summary
    assert why in install.summary, install.summary
    assert report.sandbox is None or report.sandbox.deps_image is None
    # The honest twin: the same package within the limit installs.
    roomy = dataclasses.replace(learner_config, dependency_bytes=64 * 2**20)
    report = _evaluate(tmp_path / "roomy", files, engine, roomy, deps_layers)
    assert check_of(report, "install").status is Status.PASS, check_of(report, "install").summary
