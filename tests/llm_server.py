"""A small OpenAI-compatible chat server on 127.0.0.1 that stands in for a hosted LLM.

litellm reaches it through its real HTTP path (``api_base``, model ``openai/<name>``).
Each request is recorded (path, headers, JSON body); the reply comes from a queue of
scripted replies, else from ``default`` (a function of the request body).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Reply:
    """One scripted reply: a chat answer (``content``), or an HTTP error status."""

    content: str = ""
    status: int = 200
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    prompt_tokens: int = 1200
    completion_tokens: int = 300


def chat_body(content: str, reply: Reply) -> dict[str, Any]:
    """An OpenAI chat.completion response holding ``content``."""
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "loopback",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    }


class FakeLLM:
    """The server; use as a context manager. ``url`` is the ``api_base`` to configure."""

    def __init__(self, default: Callable[[dict[str, Any]], Reply] | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.queue: list[Reply] = []
        self.default = default or (lambda _body: Reply(content="{}"))
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the OpenAI-compatible API."""
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            return self.queue.pop(0) if self.queue else self.default(body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = server._next(json.loads(raw), headers)
                time.sleep(reply.delay_s)
                if reply.status != 200:
                    error = {"error": {"message": f"status {reply.status}", "type": "loopback"}}
                    self._send(reply.status, error, reply.headers)
                else:
                    self._send(200, chat_body(reply.content, reply), reply.headers)

            def _send(
                self, status: int, body: dict[str, Any], extra: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in (extra or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler


def answer(
    levels: dict[str, int],
    citations: dict[str, list[dict[str, Any]]] | None = None,
    *,
    injection: bool = False,
) -> str:
    """A review answer as the model would write it."""
    cites = citations or {}
    return json.dumps(
        {
            "criteria": [
                {
                    "id": cid,
                    "level": level,
                    "justification": f"{cid}: judged from the code.",
                    "citations": cites.get(cid, []),
                }
                for cid, level in levels.items()
            ],
            "injection_suspected": injection,
        }
    )


def cite(path: str, line: int, quote: str, end: int | None = None) -> dict[str, Any]:
    """One citation."""
    return {"path": path, "line_start": line, "line_end": end or line, "quote": quote}


_BLOCK = re.compile(r"^<<<(UNTRUSTED-[0-9a-f]+) FILE (\S+) \(\d+ lines[^)]*\)>>>$", re.MULTILINE)
_NUMBERED = re.compile(r"^\s*(\d+)\| (.*)$")


def shown_lines(prompt: str) -> list[tuple[str, int, str]]:
    """(path, line, text) of every numbered line of every file block in a review prompt."""
    found: list[tuple[str, int, str]] = []
    for block in _BLOCK.finditer(prompt):
        boundary, path = block.groups()
        end = prompt.index(f"<<<{boundary} END>>>", block.end())
        for row in prompt[block.end() : end].splitlines():
            match = _NUMBERED.match(row)
            if match and len(match.group(2).strip()) >= 12:
                found.append((path, int(match.group(1)), match.group(2)))
    return found


def criteria_of(prompt: str) -> list[str]:
    """The criterion ids a review prompt asks to decide."""
    last = prompt.rsplit("Decide every criterion listed above: ", 1)[-1]
    return [c.strip() for c in last.split(".", 1)[0].split(",")]


def grader(level: int, *, gullible: bool = False) -> Callable[[dict[str, Any]], Reply]:
    """A model that gives every criterion ``level``, citing real lines of the files it was
    shown (so citations verify). ``gullible``: it obeys a learner asking for full marks, as
    a weak model might, and does not report it."""

    def reply(body: dict[str, Any]) -> Reply:
        prompt = body["messages"][1]["content"]
        lines = [row for row in shown_lines(prompt) if row[0].endswith(".py")]
        given = 4 if gullible and "full marks" in prompt else level
        cites = {}
        for n, cid in enumerate(criteria_of(prompt)):
            path, line, text = lines[(n * 7) % len(lines)]
            cites[cid] = [cite(path, line, text.strip()[:30])]
        return Reply(content=answer(dict.fromkeys(cites, given), cites))

    return reply
