"""Probe plans and the service check from the prober's report (no sandbox)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from evaluator.intake.manifest import ServiceEntry, parse_manifest
from evaluator.model.report import Fault, Status
from evaluator.services.evidence import ServiceReport, judge, service_check
from evaluator.services.hidden import HiddenInputs, load_inputs
from evaluator.services.probes import MALFORMED_BODIES, Probe, probe_requests

ENTRY = ServiceEntry(
    command="uvicorn app:app --port 8000",
    endpoints={"stream": "/chat/stream"},
    examples={"predict": {"features": [5.1, 3.5], "model": "v1"}, "stream": {"prompt": "hi"}},
)
PREDICT = Probe(id="predict", repeat=3)
BAD = Probe(id="bad_input", body="malformed", expect="rejects")
STREAM = Probe(id="stream", path="/generate", expect="stream")


def test_example_requests_repeat_and_follow_the_learners_path():
    requests = probe_requests(PREDICT, ENTRY)
    assert isinstance(requests, list) and len(requests) == 3
    assert requests[0]["path"] == "/predict"
    assert json.loads(requests[0]["body"]) == {"features": [5.1, 3.5], "model": "v1"}
    stream = probe_requests(STREAM, ENTRY)
    assert isinstance(stream, list) and stream[0]["path"] == "/chat/stream"


def test_malformed_bodies_include_the_example_with_wrong_types():
    bodies = [r["body"] for r in probe_requests(BAD, ENTRY)]  # type: ignore[union-attr]
    assert bodies[:2] == list(MALFORMED_BODIES)
    assert json.loads(bodies[2]) == {"features": "not-a-valid-value", "model": 12345}


def test_a_probe_without_the_learners_example_says_what_to_add():
    problem = probe_requests(Probe(id="explain"), ENTRY)
    assert problem == (
        "capstone.yaml gives no example request for explain: add service.examples.explain "
        "(a JSON body /predict answers)"
    )


def report(**fields) -> ServiceReport:
    base = {
        "harness": "1",
        "readiness": {"ready": True, "seconds": 0.8, "status": 200},
        "stopped": "stopped on SIGTERM",
        "log_tail": "INFO: started",
    }
    return ServiceReport.model_validate(base | fields)


def answers(*pairs):
    return [{"status": status, "seconds": seconds, "json": True} for status, seconds in pairs]


def test_a_healthy_service_passes_with_latency_percentiles():
    probes = [
        {"id": "predict", "requests": answers(*[(200, s / 1000) for s in (10, 20, 30, 40, 100)])},
        {"id": "bad_input", "requests": answers((422, 0.01), (400, 0.01), (422, 0.01))},
    ]
    check = service_check(ENTRY, [PREDICT, BAD], report(probes=probes), {})
    assert check.status is Status.PASS
    assert check.metrics["predict_ok"] is True and check.metrics["bad_input_ok"] is True
    assert (check.metrics["predict_p50_ms"], check.metrics["predict_p95_ms"]) == (30.0, 88.0)
    assert check.summary.startswith("ready in 0.8 s; predict: 5 of 5 answered 2xx with JSON")


def test_a_crash_on_bad_input_is_named():
    probes = [
        {
            "id": "bad_input",
            "requests": [
                {"status": 500, "seconds": 0.01},
                {"status": None, "seconds": 0.01, "error": "RemoteDisconnected"},
            ],
        }
    ]
    died = {"probe": "bad_input", "request": 1, "exit_code": 3}
    check = service_check(ENTRY, [BAD], report(probes=probes, died=died), {})
    assert check.status is Status.FAIL and check.metrics["crashed"] is True
    assert "the service crashed (exit code 3) on request 2 of bad_input" in check.summary


def test_a_500_is_not_a_rejection():
    run = report(probes=[{"id": "bad_input", "requests": [{"status": 500, "seconds": 0.01}]}])
    verdict = judge(BAD, run.probes[0], None)
    assert not verdict.ok and verdict.why == "0 of 1 answered 4xx; first other answer: HTTP 500"


@pytest.mark.parametrize(
    ("first", "total", "chunks", "ok"),
    [(0.01, 0.5, 9, True), (0.45, 0.5, 3, False), (0.01, 0.5, 1, False)],
)
def test_streaming_means_an_early_first_chunk_and_several_chunks(first, total, chunks, ok):
    run = report(
        probes=[
            {
                "id": "stream",
                "requests": [
                    {"status": 200, "seconds": total, "first_chunk_s": first, "chunks": chunks}
                ],
            }
        ]
    )
    verdict = judge(STREAM, run.probes[0], None)
    assert verdict.ok is ok
    assert verdict.metrics["stream_chunks"] == chunks
    assert verdict.metrics["stream_first_chunk_ms"] == first * 1000


def test_never_ready_and_exited_before_ready():
    late = service_check(
        ENTRY, [PREDICT], report(readiness={"ready": False, "error": "ConnectionRefusedError"}), {}
    )
    assert late.status is Status.FAIL and late.metrics == {"ready": False, "crashed": False}
    assert "did not answer GET /health on port 8000 within 60 s" in late.summary
    gone = service_check(ENTRY, [PREDICT], report(readiness={"ready": False, "exit_code": 1}), {})
    assert (
        gone.summary == "the service exited with code 1 before answering GET /health on port 8000"
    )
    assert gone.log == "INFO: started"


def test_probes_that_could_not_be_sent_fail_with_their_reason():
    check = service_check(ENTRY, [PREDICT], report(), {"predict": "capstone.yaml gives no example"})
    assert check.status is Status.FAIL and check.metrics["predict_ok"] is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("service: {command: x, port: 80}", "port 80 needs privileges the sandbox does not grant"),
        ("service: {command: x, ready_path: health}", "must be a URL path such as '/health'"),
        ("service: {command: x, endpoints: {predict: 'a b'}}", "must be a URL path"),
        ("pipeline: {command: x, database: ../db.sqlite}", "must be a relative path inside"),
    ],
)
def test_manifest_service_and_pipeline_entries_are_validated(text, message):
    outcome = parse_manifest(f"capstone: '2.2'\n{text}\n")
    assert outcome.manifest is None
    assert message in outcome.check.summary


def test_hidden_inputs_are_sent_in_batches_and_scored_here(config):
    probe = Probe(id="hidden", body="benchmark", benchmark="digits", examples=50, batch=16)
    hidden = load_inputs(probe, config)
    assert isinstance(hidden, HiddenInputs)
    assert len(hidden.inputs) == 50 and len(hidden.inputs[0]) == 8  # 8x8 images as lists
    requests = probe_requests(probe, ENTRY, hidden.inputs)
    assert isinstance(requests, list) and [
        len(json.loads(r["body"])["inputs"]) for r in requests
    ] == [16, 16, 16, 2]
    assert all(
        r["keep"] and set(json.loads(r["body"])) == {"inputs"} for r in requests
    )  # no labels
    truth = hidden.labels.tolist()
    bodies = [json.dumps({"predictions": truth[i : i + 16]}) for i in range(0, 50, 16)]
    answers = [{"status": 200, "seconds": 0.01, "json": True, "body": b} for b in bodies]
    check = service_check(
        ENTRY,
        [probe],
        report(probes=[{"id": "hidden", "requests": answers}]),
        {},
        hidden={"hidden": hidden},
    )
    assert check.status is Status.PASS
    assert (check.metrics["hidden_accuracy"], check.metrics["hidden_n"]) == (1.0, 50)
    wrong = [json.dumps([0] * len(json.loads(b)["predictions"])) for b in bodies]
    answers = [{"status": 200, "seconds": 0.01, "json": True, "body": b} for b in wrong]
    check = service_check(
        ENTRY,
        [probe],
        report(probes=[{"id": "hidden", "requests": answers}]),
        {},
        hidden={"hidden": hidden},
    )
    assert check.metrics["hidden_accuracy"] < 0.3


def test_unusable_predictions_and_missing_hidden_data(config, tmp_path):
    probe = Probe(id="hidden", body="benchmark", benchmark="digits", examples=4, batch=4)
    hidden = load_inputs(probe, config)
    assert isinstance(hidden, HiddenInputs)
    answers = [{"status": 200, "seconds": 0.01, "json": True, "body": '{"label": 3}'}]
    check = service_check(
        ENTRY,
        [probe],
        report(probes=[{"id": "hidden", "requests": answers}]),
        {},
        hidden={"hidden": hidden},
    )
    assert check.status is Status.FAIL
    assert (
        'predictions rejected: an answer is neither {"predictions": [...]} nor a list'
        in check.summary
    )
    texts = Probe(id="hidden", body="benchmark", benchmark="text-classification")
    problem = load_inputs(texts, replace(config, data_dir=tmp_path))
    assert isinstance(problem, str) and "capstone-eval data import text-classification" in problem
    check = service_check(ENTRY, [texts], report(), {}, operator={"hidden": problem})
    assert (check.status, check.fault) == (Status.ERROR, Fault.OPERATOR)


def test_a_benchmark_probe_names_its_benchmark():
    with pytest.raises(ValueError, match="go together"):
        Probe(id="hidden", body="benchmark")
