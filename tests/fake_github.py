"""A fake GitHub REST API on 127.0.0.1 (only the endpoints the evaluator uses) and a git
smart-HTTP server in front of ``git http-backend``; both record every request.

PyGithub talks to the fake through its ``base_url``; git clones from the HTTP
server, which demands an installation token the fake API issued with
``contents: read`` on that repository.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import secrets
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

APP_ID = "4242"
BOT = {"login": "capstone-evaluator[bot]", "type": "Bot", "id": 1}
#: The App a comment was written through, as GitHub reports it on the comment: this App
#: with an installation token, GitHub Actions with a workflow's GITHUB_TOKEN.
VIA_APP = {"id": int(APP_ID), "slug": "capstone-evaluator", "name": "capstone-evaluator"}
VIA_ACTIONS = {"id": 15368, "slug": "github-actions", "name": "GitHub Actions"}


def app_key() -> tuple[str, str]:
    """A fresh RSA key pair for the App: (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    authorization: str
    body: Any


@dataclass
class FakeGitHub:
    """State of the fake API: tokens, comments, check runs, and every request."""

    public_key: str = ""
    static_tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    """Tokens given to the fake up front (an Action's GITHUB_TOKEN): token -> permissions."""
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    pull_heads: dict[int, str] = field(default_factory=dict)
    """Head commit of each pull request (GET /pulls/N); a test sets it when it pushes."""
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def writes(self, pattern: str) -> list[Recorded]:
        """Requests other than GET whose path matches ``pattern``."""
        return [r for r in self.requests if r.method != "GET" and re.search(pattern, r.path)]

    def issued(self) -> list[dict[str, Any]]:
        """Installation tokens issued so far (with their permissions and repositories)."""
        return list(self.tokens.values())

    def allows(self, token: str, repo: str, permission: str, level: str) -> bool:
        """Whether ``token`` may ``level`` (read/write) ``permission`` on ``owner/name``."""
        if token in self.static_tokens:
            grant = self.static_tokens[token].get(permission)
        else:
            info = self.tokens.get(token)
            if info is None or repo.split("/")[1] not in info["repositories"]:
                return False
            grant = info["permissions"].get(permission)
        return grant == "write" or (grant == "read" and level == "read")


def _token(header: str) -> str:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        return base64.b64decode(value).decode().partition(":")[2]
    return value


class _ApiHandler(BaseHTTPRequestHandler):
    server: _ApiServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, data: Any) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _handle(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        path = self.path.split("?")[0]
        auth = self.headers.get("Authorization", "")
        with fake.lock:
            fake.requests.append(Recorded(self.command, path, auth, body))
            status, data = _route(fake, self.command, path, _token(auth), body)
        self._reply(status, data)

    do_GET = do_POST = do_PATCH = _handle  # noqa: N815  (http.server names)


class _ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitHub


def _forbidden() -> tuple[int, Any]:
    return 403, {"message": "Resource not accessible by integration"}


def _route(fake: FakeGitHub, method: str, path: str, token: str, body: Any) -> tuple[int, Any]:
    if m := re.fullmatch(r"/app/installations/(\d+)/access_tokens", path):
        try:
            claims = jwt.decode(token, fake.public_key, algorithms=["RS256"])
        except jwt.PyJWTError as exc:
            return 401, {"message": f"bad JWT: {exc}"}
        if str(claims.get("iss")) != APP_ID:
            return 401, {"message": "wrong app"}
        value = "ghs_" + secrets.token_hex(16)
        fake.tokens[value] = {"installation": int(m[1]), "token": value,
                              "permissions": body["permissions"],
                              "repositories": body["repositories"]}  # fmt: skip
        return 201, {"token": value, "expires_at": "2099-01-01T00:00:00Z",
                     "permissions": body["permissions"]}  # fmt: skip
    m = re.fullmatch(r"/repos/([^/]+/[^/]+)/(.*)", path)
    if not m:
        return 404, {"message": "Not Found"}
    return _repo_route(fake, method, m[1], m[2], token, body)


def _repo_route(
    fake: FakeGitHub, method: str, repo: str, rest: str, token: str, body: Any
) -> tuple[int, Any]:
    base = f"{fake.url}/repos/{repo}"
    if m := re.fullmatch(r"issues/(\d+)/comments", rest):
        if method == "GET":
            if not fake.allows(token, repo, "pull_requests", "read"):
                return _forbidden()
            return 200, [c for c in fake.comments.values() if c["issue"] == int(m[1])]
        if not fake.allows(token, repo, "pull_requests", "write"):
            return _forbidden()
        cid = next(fake.ids)
        fake.comments[cid] = {"id": cid, "issue": int(m[1]), "body": body["body"], "user": BOT,
                              "url": f"{base}/issues/comments/{cid}"}  # fmt: skip
        via = VIA_ACTIONS if token in fake.static_tokens else VIA_APP
        fake.comments[cid]["performed_via_github_app"] = via
        return 201, fake.comments[cid]
    if m := re.fullmatch(r"pulls/(\d+)", rest):
        if not fake.allows(token, repo, "pull_requests", "read"):
            return _forbidden()
        head = fake.pull_heads.get(int(m[1]))
        if head is None:
            return 404, {"message": "Not Found"}
        return 200, {"number": int(m[1]), "url": f"{base}/pulls/{m[1]}", "head": {"sha": head}}
    if m := re.fullmatch(r"issues/comments/(\d+)", rest):
        if method == "GET":
            return 200, fake.comments[int(m[1])]
        if not fake.allows(token, repo, "pull_requests", "write"):
            return _forbidden()
        fake.comments[int(m[1])]["body"] = body["body"]
        return 200, fake.comments[int(m[1])]
    if m := re.fullmatch(r"commits/([0-9a-f]+)/check-runs", rest):
        runs = [r for r in fake.check_runs.values() if r["head_sha"] == m[1]]
        return 200, {"total_count": len(runs), "check_runs": runs}
    if not fake.allows(token, repo, "checks", "write"):
        return _forbidden()
    if rest == "check-runs" and method == "POST":
        rid = next(fake.ids)
        fake.check_runs[rid] = {**body, "id": rid, "url": f"{base}/check-runs/{rid}",
                                "annotations": []}  # fmt: skip
        return 201, fake.check_runs[rid]
    if m := re.fullmatch(r"check-runs/(\d+)", rest):
        run = fake.check_runs[int(m[1])]
        output = dict(body.get("output") or {})
        run["annotations"] += output.pop("annotations", [])
        run.update({k: v for k, v in body.items() if k != "output"})
        run["output"] = {**run.get("output", {}), **output}
        return 200, run
    return 404, {"message": "Not Found"}


@contextmanager
def fake_github(public_key: str = "", **static_tokens: dict[str, str]) -> Iterator[FakeGitHub]:
    """A running fake API on 127.0.0.1."""
    fake = FakeGitHub(public_key=public_key, static_tokens=dict(static_tokens))
    server = _ApiServer(("127.0.0.1", 0), _ApiHandler)
    server.fake = fake
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


# --- git over smart HTTP -----------------------------------------------------------------


class _GitHandler(BaseHTTPRequestHandler):
    server: _GitServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        git_server = self.server
        auth = self.headers.get("Authorization", "")
        repo = "/".join(self.path.lstrip("/").split("/")[:2]).removesuffix(".git")
        git_server.seen.append((self.command, self.path, auth))
        if not git_server.fake.allows(_token(auth), repo, "contents", "read"):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._backend()

    def _backend(self) -> None:
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        env = {
            "PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": str(self.server.root),
            "GIT_HTTP_EXPORT_ALL": "1", "REQUEST_METHOD": self.command, "PATH_INFO": path,
            "QUERY_STRING": query, "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(data)), "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
        }  # fmt: skip
        out = subprocess.run(["git", "http-backend"], input=data, env=env, capture_output=True,
                             check=False).stdout  # fmt: skip
        head, _, payload = out.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(": ")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers.append((key, value))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _handle  # noqa: N815  (http.server names)


class _GitServer(ThreadingHTTPServer):
    daemon_threads = True
    root: Path
    fake: FakeGitHub
    seen: list[tuple[str, str, str]]


@dataclass
class GitHost:
    """The git server: ``url(repo)`` to clone from, ``seen`` (method, path, Authorization)."""

    root: Path
    base: str
    seen: list[tuple[str, str, str]]

    def url(self, repo: str) -> str:
        """Clone URL of ``owner/name``."""
        return f"{self.base}/{repo}.git"

    def publish(self, repo: str, source: Path) -> None:
        """Push every branch of the repository at ``source`` to ``owner/name`` here."""
        bare = self.root / f"{repo}.git"
        if not bare.exists():
            subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
            subprocess.run(["git", "-C", str(bare), "config", "uploadpack.allowReachableSHA1InWant",
                            "true"], check=True)  # fmt: skip
        subprocess.run(["git", "-C", str(source), "push", "-q", "--force", str(bare),
                        "refs/heads/*:refs/heads/*"], check=True)  # fmt: skip


@contextmanager
def git_host(root: Path, fake: FakeGitHub) -> Iterator[GitHost]:
    """Repositories under ``root`` served over smart HTTP on 127.0.0.1, tokens checked."""
    server = _GitServer(("127.0.0.1", 0), _GitHandler)
    server.root, server.fake, server.seen = root, fake, []
    root.mkdir(parents=True, exist_ok=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield GitHost(root=root, base=f"http://127.0.0.1:{server.server_address[1]}",
                      seen=server.seen)  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
