"""Service prober, INSIDE the sandbox (evaluator-owned, mounted read-only).

    python -I -S service.py PLAN.json

Starts the learner's service command as a child in its own session, polls its
readiness path on loopback until it answers or the deadline passes, sends the
probes the rubric defines (recording status, latency, and for streaming
responses the time to the first chunk and the number of chunks), notices when
the service dies on a request, and stops it: SIGTERM to its session, SIGKILL
after a grace period. The report goes out on the result stream, which the
service cannot reach. Standard library only (http.client): ``-S`` keeps every ``.pth``
file and ``sitecustomize`` of the learner's dependencies out of this process.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _child import Child, emit, take_result_stream

HARNESS_VERSION = "1"
WORKSPACE = "/workspace"
POLL_S = 0.25
EXCERPT = 500
DEATH_WAIT_S = 0.5
MAX_BODY = 1024 * 1024


def _now() -> float:
    return time.monotonic()


def _connection(port: int, timeout: float) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def wait_ready(child: Child, plan: dict[str, Any]) -> dict[str, Any]:
    """Poll the readiness path until it answers (any status below 500) or time runs out."""
    began = _now()
    deadline = began + float(plan["ready_timeout_s"])
    last_error, last_status = "no answer yet", None
    while _now() < deadline:
        code = child.exit_code()
        if code is not None:
            return {"ready": False, "exit_code": code, "error": f"exited with code {code}"}
        connection = _connection(int(plan["port"]), 2.0)
        try:
            connection.request("GET", str(plan["ready_path"]))
            response = connection.getresponse()
            response.read(MAX_BODY)
            last_status = response.status
            if response.status < 500:
                return {
                    "ready": True,
                    "seconds": round(_now() - began, 3),
                    "status": response.status,
                }
            last_error = f"answered {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            last_error = f"{type(exc).__name__}: {exc}"[:300]
        finally:
            connection.close()
        time.sleep(POLL_S)
    return {"ready": False, "status": last_status, "error": last_error, "exit_code": None}


def _read_stream(response: http.client.HTTPResponse, began: float) -> dict[str, Any]:
    first, chunks, size, excerpt = None, 0, 0, b""
    while True:
        chunk = response.read1(65536)
        if not chunk:
            break
        if first is None:
            first = _now() - began
        chunks += 1
        size += len(chunk)
        excerpt = (excerpt + chunk)[:EXCERPT]
    return {"first_chunk_s": first, "chunks": chunks, "bytes": size, "excerpt": excerpt}


def send(port: int, request: dict[str, Any], stream: bool) -> dict[str, Any]:
    """One request: status, seconds, and what came back."""
    body = request.get("body")
    headers = {"Content-Type": str(request.get("content_type", "application/json"))}
    data = body.encode() if isinstance(body, str) else None
    connection = _connection(port, float(request.get("timeout_s", 10)))
    began = _now()
    try:
        connection.request(str(request["method"]), str(request["path"]), body=data, headers=headers)
        response = connection.getresponse()
        result: dict[str, Any] = {"status": response.status}
        result["content_type"] = response.getheader("Content-Type", "")
        if stream:
            result |= _read_stream(response, began)
            raw = result.pop("excerpt")
        else:
            raw = response.read(MAX_BODY)
            result["bytes"] = len(raw)
            result["json"] = _is_json(raw)
            result["body"] = raw.decode("utf-8", errors="replace") if request.get("keep") else None
        result["excerpt"] = raw[:EXCERPT].decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException) as exc:
        result = {"status": None, "error": f"{type(exc).__name__}: {exc}"[:300]}
    finally:
        connection.close()
    result["seconds"] = round(_now() - began, 6)
    return result


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


def run_probes(child: Child, plan: dict[str, Any], deadline: float) -> tuple[list, dict | None]:
    """Every probe's requests in order; stops when the service dies or time runs out."""
    port = int(plan["port"])
    probes: list[dict[str, Any]] = []
    for probe in plan.get("probes", []):
        done: dict[str, Any] = {"id": probe["id"], "requests": []}
        probes.append(done)
        for index, request in enumerate(probe["requests"]):
            if _now() > deadline:
                done["cut"] = "the run's time budget was spent"
                return probes, None
            answer = send(port, request, bool(probe.get("stream")))
            done["requests"].append(answer)
            # A dropped connection may be the service dying: give it a moment to exit, so
            # the report says so rather than "no answer".
            code = child.wait(DEATH_WAIT_S) if answer["status"] is None else child.exit_code()
            if code is not None:
                return probes, {"probe": probe["id"], "request": index, "exit_code": code}
    return probes, None


def main(plan_path: str) -> int:
    take_result_stream()
    began = _now()
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    deadline = began + float(plan["deadline_s"])
    child = Child(str(plan["command"]), cwd=WORKSPACE)
    results: dict[str, Any] = {"harness": HARNESS_VERSION, "probes": [], "died": None}
    results["readiness"] = wait_ready(child, plan)
    if results["readiness"]["ready"]:
        results["probes"], results["died"] = run_probes(child, plan, deadline)
    results["stopped"] = child.stop(float(plan.get("stop_grace_s", 5)))
    results["log_tail"] = child.tail()
    results["seconds"] = round(_now() - began, 3)
    emit("report", results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
