"""What a rubric asks of a learner's service (``service:`` in the rubric), and the requests
that makes for one submission (pure).

The rubric owns what is probed and what counts as an answer; the learner's
capstone.yaml only says where each endpoint lives and gives an example body
(the features are the learner's own).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, JsonValue, model_validator

from evaluator.intake.manifest import ServiceEntry
from evaluator.model.base import FrozenModel

PROBE_ID = r"^[a-z][a-z0-9_]{0,31}$"
#: Bodies no reasonable endpoint should accept: not JSON, the wrong JSON shape.
MALFORMED_BODIES = ("{not json", "[]")
WRONG_TYPE = "not-a-valid-value"


class Expect(StrEnum):
    """What counts as an answer to a probe."""

    JSON = "json"
    """Every request answered 2xx with a JSON body."""
    OK = "ok"
    """Every request answered 2xx."""
    REJECTS = "rejects"
    """Every (malformed) request answered 4xx, and the service kept running."""
    STREAM = "stream"
    """Answered 2xx in several chunks, the first well before the last."""


class Probe(FrozenModel):
    """One kind of request the evaluator sends to the running service."""

    id: str = Field(pattern=PROBE_ID, description="Probe id; metrics are named after it.")
    title: str = Field(default="", description="What the probe asks, for reports.")
    method: Literal["GET", "POST", "PUT"] = Field(default="POST", description="HTTP method.")
    path: str = Field(
        default="/predict",
        pattern=r"^/[\x21-\x7e]*$",
        description="Path on the service; capstone.yaml's service.endpoints may move it.",
    )
    body: Literal["example", "malformed", "none", "benchmark"] | dict[str, JsonValue] = Field(
        default="example",
        description="'example': the learner's example from capstone.yaml (service.examples); "
        "'malformed': invalid JSON, a wrong shape and wrong types; 'none': no body; "
        "'benchmark': the hidden inputs of 'benchmark' as {\"inputs\": [...]} in batches, "
        'answered {"predictions": [...]} and scored on the host; or a JSON object sent as '
        "it is.",
    )
    benchmark: str | None = Field(
        default=None, description="With body 'benchmark': the benchmark whose inputs are sent."
    )
    examples: int = Field(
        default=200, ge=1, le=10_000, description="With body 'benchmark': hidden examples sent."
    )
    batch: int = Field(
        default=32, ge=1, le=1000, description="With body 'benchmark': examples per request."
    )
    expect: Expect = Field(default=Expect.JSON, description="What counts as an answer.")
    repeat: int = Field(default=1, ge=1, le=200, description="Requests sent (latency p50/p95).")
    timeout_s: float = Field(default=10.0, gt=0, le=120, description="Per-request timeout.")

    @model_validator(mode="after")
    def _benchmark_named(self) -> Probe:
        if (self.body == "benchmark") != (self.benchmark is not None):
            raise ValueError("body 'benchmark' and a 'benchmark' name go together")
        return self


class ServiceProbes(FrozenModel):
    """The probes of a rubric's ``service:`` section, sent in order."""

    probes: list[Probe] = Field(default_factory=list, description="Probes, in order.")


def _wrong_types(example: JsonValue) -> str | None:
    if not isinstance(example, dict) or not example:
        return None
    swapped = {
        key: 12345 if isinstance(value, str) else WRONG_TYPE for key, value in example.items()
    }
    return json.dumps(swapped)


def _bodies(probe: Probe, entry: ServiceEntry) -> list[str | None] | str:
    """The request bodies of ``probe``, or why there are none."""
    if probe.body == "none":
        return [None]
    if isinstance(probe.body, dict):
        return [json.dumps(probe.body)]
    example = entry.examples.get(probe.id)
    if probe.body == "malformed":
        wrong = _wrong_types(
            example if example is not None else next(iter(entry.examples.values()), None)
        )
        return [*MALFORMED_BODIES, *([wrong] if wrong else [])]
    if example is None:
        return (
            f"capstone.yaml gives no example request for {probe.id}: add "
            f"service.examples.{probe.id} (a JSON body {probe.path} answers)"
        )
    return [json.dumps(example)]


def probe_requests(
    probe: Probe, entry: ServiceEntry, inputs: list[Any] | None = None
) -> list[dict[str, Any]] | str:
    """The requests the prober sends for ``probe`` (a problem sentence when it cannot).

    ``inputs``: a benchmark probe's hidden inputs, sent in batches; the answers come
    back whole (``keep``) to be scored on the host.
    """
    path = entry.endpoints.get(probe.id, probe.path)
    if probe.body == "benchmark":
        items = inputs or []
        batches = [items[i : i + probe.batch] for i in range(0, len(items), probe.batch)]
        return [
            {"method": probe.method, "path": path, "body": json.dumps({"inputs": batch}),
             "timeout_s": probe.timeout_s, "keep": True}
            for batch in batches
        ]  # fmt: skip
    bodies = _bodies(probe, entry)
    if isinstance(bodies, str):
        return bodies
    requests = [
        {"method": probe.method, "path": path, "body": body, "timeout_s": probe.timeout_s}
        for body in bodies
    ]
    repeat = probe.repeat if probe.body != "malformed" else 1
    return requests * repeat
