"""Learner services started and probed inside the real sandbox (loopback only)."""

from __future__ import annotations

import os

import pytest

from evaluator.checks.service import service_checks
from evaluator.config import load_config
from evaluator.intake.manifest import parse_manifest
from evaluator.model.criteria import CriterionStatus
from evaluator.model.report import Status
from evaluator.services.probes import Probe
from tests.capstone_runs import check_of, criterion, evaluate_files
from tests.conftest import write_tree
from tests.service_repos import FRAGILE_APP, PREDICT_APP, STREAMING_APP, service_repo

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def predict_report(tmp_path_factory, engine):
    """Capstone 2.2 with a FastAPI /predict service, evaluated end to end (installs FastAPI)."""
    root = tmp_path_factory.mktemp("predict") / "origin"
    return evaluate_files(root, service_repo(PREDICT_APP), load_config(os.environ))


@pytest.fixture(scope="module")
def fastapi_image(predict_report):
    """The learner-dependency image with FastAPI and uvicorn, made by that evaluation."""
    assert predict_report.sandbox is not None and predict_report.sandbox.deps_image
    return predict_report.sandbox.deps_image


def test_predict_endpoint_decides_rubric_2_2(predict_report):
    service = check_of(predict_report, "service")
    assert service.status is Status.PASS, (service.summary, service.log)
    assert service.metrics["predict_ok"] is True and service.metrics["bad_input_ok"] is True
    assert service.metrics["bad_input_status"] == 422
    assert 0 < service.metrics["predict_p50_ms"] <= service.metrics["predict_p95_ms"]
    assert "Uvicorn running on http://127.0.0.1:8000" in (service.log or "")
    assert service.details["stopped"] == "stopped on SIGTERM"
    for name in ("predict-endpoint", "rejects-bad-input", "predict-latency", "dockerfile"):
        assert criterion(predict_report, name).status is CriterionStatus.PASS, name


def probe(engine, tmp_path, files, image, config, probes, **manifest_fields):
    """Start the service in ``files`` in ``image`` and send it ``probes``."""
    write_tree(tmp_path, files)
    manifest = parse_manifest(files["capstone.yaml"]).manifest
    assert manifest is not None and manifest.service is not None
    if manifest_fields:
        service = manifest.service.model_copy(update=manifest_fields)
        manifest = manifest.model_copy(update={"service": service})
    (check,) = service_checks(
        engine,
        image=image,
        installed=True,
        workspace=tmp_path,
        manifest=manifest,
        probes=probes,
        wanted=True,
        config=config,
        progress=lambda _message: None,
    )
    return check


PREDICT = Probe(id="predict", repeat=3)
BAD_INPUT = Probe(id="bad_input", body="malformed", expect="rejects")


def test_a_service_that_never_becomes_ready(engine, tmp_path, fastapi_image, config):
    never = service_repo(PREDICT_APP, ready=3)
    never["capstone.yaml"] = never["capstone.yaml"].replace(
        "uvicorn app.main:app --host 127.0.0.1 --port 8000",
        "python -c 'import time; print(\"loading the model\", flush=True); time.sleep(600)'",
    )
    check = probe(engine, tmp_path, never, fastapi_image, config, [PREDICT])
    assert check.status is Status.FAIL
    assert check.summary.startswith(
        "the service did not answer GET /health on port 8000 within 3 s"
    )
    assert check.metrics == {"ready": False, "crashed": False}
    assert "loading the model" in (check.log or "")


def test_a_service_that_crashes_on_bad_input(engine, tmp_path, fastapi_image, config):
    check = probe(
        engine, tmp_path, service_repo(FRAGILE_APP), fastapi_image, config, [PREDICT, BAD_INPUT]
    )
    assert check.status is Status.FAIL
    assert check.metrics["predict_ok"] is True
    assert check.metrics["bad_input_ok"] is False and check.metrics["crashed"] is True
    assert "the service crashed (exit code 3) on request 2 of bad_input" in check.summary


def test_a_streaming_endpoint_streams_and_a_buffered_one_does_not(
    engine, tmp_path, fastapi_image, config
):
    probes = [
        Probe(id="stream", path="/generate", expect="stream"),
        Probe(id="buffered", path="/buffered", body={"prompt": "hi"}, expect="stream"),
    ]
    check = probe(engine, tmp_path, service_repo(STREAMING_APP), fastapi_image, config, probes)
    metrics = check.metrics
    assert metrics["stream_ok"] is True and metrics["stream_chunks"] >= 5
    assert metrics["stream_first_chunk_ms"] < metrics["stream_total_ms"] / 4
    assert metrics["buffered_ok"] is False and metrics["buffered_first_chunk_ms"] >= 400
    assert check.status is Status.FAIL


def test_a_missing_example_fails_the_probe_not_the_run(engine, tmp_path, fastapi_image, config):
    check = probe(
        engine,
        tmp_path,
        service_repo(PREDICT_APP),
        fastapi_image,
        config,
        [Probe(id="explain")],
        examples={},
    )
    assert check.status is Status.FAIL
    assert check.metrics["ready"] is True and check.metrics["explain_ok"] is False
    assert "add service.examples.explain" in check.summary


#: A digits classifier behind the standard library's HTTP server; it logs what a request holds.
DIGITS_SERVICE = """\
import json
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

digits = load_digits()
train, _, labels, _ = train_test_split(
    digits.images.astype(np.uint8), digits.target, test_size=0.3, random_state=0, stratify=digits.target
)
model = LogisticRegression(max_iter=2000).fit(train.reshape(len(train), -1), labels)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        print("request keys", sorted(body), flush=True)
        images = np.asarray(body["inputs"]).reshape(len(body["inputs"]), -1)
        data = json.dumps({"predictions": model.predict(images).tolist()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


HTTPServer(("127.0.0.1", 8000), Handler).serve_forever()
"""


def test_hidden_inputs_go_to_the_service_and_are_scored_on_the_host(engine, tmp_path, config):
    files = {
        "capstone.yaml": "capstone: 3.3-transformer-nlp\nservice:\n  command: python server.py\n",
        "server.py": DIGITS_SERVICE,
    }
    hidden = Probe(id="hidden", body="benchmark", benchmark="digits", examples=200, batch=50)
    check = probe(engine, tmp_path, files, config.sandbox_image, config, [hidden])
    assert check.status is Status.PASS, (check.summary, check.log)
    assert check.metrics["hidden_n"] == 200 and check.metrics["hidden_benchmark"] == "digits"
    assert check.metrics["hidden_accuracy"] >= 0.9
    assert "request keys ['inputs']" in (check.log or "")  # the labels stayed on the host
