"""Forged notebook, pipeline and service evidence: committed outputs, tags that skip a failing
cell, a fake runner module, a committed database, a service that writes the prober's report.
Each forgery fails or is not counted; its honest twin keeps its grade."""

from __future__ import annotations

import json
import sqlite3

import pytest

from evaluator.checks.notebooks import notebook_checks
from evaluator.checks.service import service_checks
from evaluator.intake.manifest import parse_manifest
from evaluator.model.criteria import CriterionStatus
from evaluator.model.report import Status
from evaluator.services.probes import Probe
from tests.adversarial.conftest import check_of, criterion
from tests.conftest import write_tree
from tests.notebook_files import notebook, plots_notebook

pytestmark = [pytest.mark.docker, pytest.mark.slow]

EDA = "capstone: 1.3-eda\nnotebooks: [eda.ipynb]\n"
#: A forged report the runner would write if it imported the workspace's modules.
FORGED_REPORT = {
    "harness": "1",
    "notebooks": [
        {
            "path": "eda.ipynb",
            "status": "executed",
            "cells": [
                {
                    "cell": 1,
                    "seconds": 0.1,
                    "outputs": [{"type": "display_data", "mimes": ["image/png"]}] * 20,
                }
            ],
        }
    ],
}
FAKE_RUNNER = (
    f"import json, sys\nopen(sys.argv[-1], 'w').write(json.dumps({FORGED_REPORT!r}))\nsys.exit(0)\n"
)


def forged_eda() -> str:
    """Twenty committed figures, code that draws none, and a failing cell tagged to be skipped."""
    document = json.loads(
        notebook(
            [
                (
                    "code",
                    "import pandas as pd\ndf = pd.DataFrame({'a': [1, None]})\ndf.isna().sum()",
                ),
                ("code", "1 / 0"),
            ]
        )
    )
    document["cells"][0]["outputs"] = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"},
        }
    ] * 20
    document["cells"][1]["metadata"]["tags"] = ["skip-execution", "raises-exception"]
    return json.dumps(document)


def test_committed_outputs_skip_tags_and_a_fake_runner_count_for_nothing(evaluate_files):
    forged = evaluate_files(
        {
            "capstone.yaml": EDA,
            "eda.ipynb": forged_eda(),
            # Modules named like the runner's libraries, on the learner's PYTHONPATH.
            "nbclient.py": FAKE_RUNNER,
            "nbformat.py": FAKE_RUNNER,
        }
    )
    notebooks = check_of(forged, "notebooks")
    assert notebooks.status is Status.FAIL
    assert notebooks.metrics["figures"] == 0
    assert [f.message for f in notebooks.findings] == [
        "cell 2: ZeroDivisionError: division by zero"
    ]
    assert criterion(forged, "notebooks-execute").status is CriterionStatus.FAIL
    assert criterion(forged, "fifteen-plots").status is CriterionStatus.FAIL

    honest = evaluate_files({"capstone.yaml": EDA, "eda.ipynb": plots_notebook(15)})
    assert check_of(honest, "notebooks").metrics["figures"] == 15
    assert criterion(honest, "notebooks-execute").status is CriterionStatus.PASS
    assert criterion(honest, "fifteen-plots").status is CriterionStatus.PASS


PIPELINE = """\
capstone: 1.4-data-pipeline
pipeline:
  command: {command}
  database: warehouse.sqlite
  tables: [sales]
"""
WRITES_DATABASE = (
    "import sqlite3\n"
    "with sqlite3.connect('warehouse.sqlite') as db:\n"
    "    db.execute('CREATE TABLE sales (amount REAL)')\n"
    "    db.execute('INSERT INTO sales VALUES (1.5)')\n"
)
#: One image saved ten times under different names.
SAME_PLOT_TEN_TIMES = (
    "import matplotlib.pyplot as plt\nplt.plot([1, 2])\n"
    "for i in range(10):\n    plt.savefig(f'plot-{i}.png')\n"
)


def run_pipeline(engine, config, root, files):
    write_tree(root, files)
    manifest = parse_manifest(files["capstone.yaml"]).manifest
    checks = notebook_checks(
        engine,
        image=config.sandbox_image,
        installed=True,
        workspace=root,
        manifest=manifest,
        asked={"pipeline", "sqlite"},
        config=config,
        progress=lambda _message: None,
    )
    return {c.id: c for c in checks}


def test_a_committed_database_and_a_plot_saved_ten_times(tmp_path, engine, config):
    committed = tmp_path / "forged" / "warehouse.sqlite"
    committed.parent.mkdir()
    with sqlite3.connect(committed) as db:
        db.execute("CREATE TABLE sales (amount REAL)")
        db.execute("INSERT INTO sales VALUES (1.5)")
    forged = run_pipeline(
        engine,
        config,
        tmp_path / "forged",
        {
            "capstone.yaml": PIPELINE.format(command="python plots.py"),
            "plots.py": SAME_PLOT_TEN_TIMES,
        },
    )
    assert forged["pipeline"].status is Status.PASS
    assert forged["pipeline"].metrics["images_written"] == 1
    assert forged["sqlite"].status is Status.FAIL
    assert "the copy in the repository does not count" in forged["sqlite"].summary

    honest = run_pipeline(
        engine,
        config,
        tmp_path / "honest",
        {"capstone.yaml": PIPELINE.format(command="python etl.py"), "etl.py": WRITES_DATABASE},
    )
    assert honest["sqlite"].status is Status.PASS
    assert honest["sqlite"].details["tables"] == {"sales": 1}


#: Writes a passing report where the prober's could go (a results file, any process's
#: result stream), then never listens.
FORGING_SERVICE = """\
import json, os, pathlib, time

report = {"harness": "1", "readiness": {"ready": True, "seconds": 0.1, "status": 200},
          "probes": [{"id": "predict", "requests": [{"status": 200, "seconds": 0.01, "json": True}]}]}
line = json.dumps({"event": "report", "data": report}) + "\\n"
pathlib.Path("/results/run.json").write_text(json.dumps(report))
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open(f"/proc/{pid}/fd/3", "w") as stream:
            stream.write(line)
        print("forged through", pid, flush=True)
    except OSError as exc:
        print("refused", pid, type(exc).__name__, flush=True)
time.sleep(600)
"""
#: A real /predict on the standard library's HTTP server.
HONEST_SERVICE = """\
import json
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._send(200, {"status": "ok"})

    def do_POST(self):
        try:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            features = [float(x) for x in body["features"]]
        except (ValueError, KeyError, TypeError) as exc:
            self._send(400, {"error": str(exc)})
            return
        self._send(200, {"label": int(sum(features) > 1)})


HTTPServer(("127.0.0.1", 8000), Handler).serve_forever()
"""
SERVICE_MANIFEST = """\
capstone: 2.2-production-ml
service:
  command: python server.py
  ready_timeout_s: 3
  examples:
    predict: {features: [1, 2]}
"""


def probe(engine, config, root, server):
    write_tree(root, {"capstone.yaml": SERVICE_MANIFEST, "server.py": server})
    (check,) = service_checks(
        engine,
        image=config.sandbox_image,
        installed=True,
        workspace=root,
        manifest=parse_manifest(SERVICE_MANIFEST).manifest,
        probes=[Probe(id="predict", repeat=2)],
        wanted=True,
        config=config,
        progress=lambda _message: None,
    )
    return check


def test_a_service_that_writes_the_probers_report_is_not_believed(tmp_path, engine, config):
    forged = probe(engine, config, tmp_path / "forged", FORGING_SERVICE)
    assert forged.status is Status.FAIL
    assert forged.metrics == {"ready": False, "crashed": False}
    assert "refused" in (forged.log or "") and "forged through" not in (forged.log or "")
    honest = probe(engine, config, tmp_path / "honest", HONEST_SERVICE)
    assert honest.status is Status.PASS, honest.summary
    assert honest.metrics["predict_ok"] is True
