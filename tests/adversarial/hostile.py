"""Generators of hostile repositories, and a git server on loopback, for the host-safety tests.

Each generator builds its repository with git itself (plumbing where a normal
commit would be slow or would trip the hazard in the test's own git), so
nothing hostile is committed to this repository. The hazards write a marker
file named after themselves when they run: a test asserts the folder stays empty.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import write_tree

#: A tiny capstone that runs in the sandbox: one passing test, a manifest.
HONEST_FILES = {
    "capstone.yaml": "capstone: '1.1'\n",
    "calc.py": "def add(a, b):\n    return a + b\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
}
HOOKS = (
    "pre-commit", "post-checkout", "post-merge", "pre-push", "post-rewrite", "reference-transaction",
    "pre-auto-gc", "post-index-change", "fsmonitor-watchman", "push-to-checkout",
)  # fmt: skip


def git(repo: Path, *args: str, env: Mapping[str, str] | None = None, stdin: bytes = b"") -> str:
    """Run the test's own git in ``repo`` (never on a repository the evaluator reads)."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=stdin,
        capture_output=True,
        check=True,
        env={
            **os.environ,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": "Learner",
            "GIT_AUTHOR_EMAIL": "learner@example.org",
            "GIT_COMMITTER_NAME": "Learner",
            "GIT_COMMITTER_EMAIL": "learner@example.org",
            **(env or {}),
        },
    )
    return done.stdout.decode().strip()


def committed_repo(root: Path, files: Mapping[str, str]) -> Path:
    """A repository with ``files`` committed on main."""
    write_tree(root, files)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "capstone")
    return root


def _touch(markers: Path, name: str) -> str:
    return f"touch {markers / name}"


def arm(repo: Path, hazard: str, markers: Path) -> None:
    """Add one host-side hazard to a committed repository (after the commit, so the test's
    own git never trips it). Each writes ``markers/<hazard>`` when it runs."""
    cmd = _touch(markers, hazard)
    settings: dict[str, str] = {}
    if hazard == "fsmonitor":
        settings = {"core.fsmonitor": cmd}
    elif hazard == "hooks":
        hooks = repo / ".git" / "hooks"
        for name in HOOKS:
            (hooks / name).write_text(f"#!/bin/sh\n{_touch(markers, f'hook-{name}')}\n")
            (hooks / name).chmod(0o755)
        settings = {"core.hooksPath": str(hooks)}
    elif hazard == "filter":
        (repo / ".gitattributes").write_text("* filter=evil diff=evil\n")
        git(repo, "add", ".gitattributes")
        git(repo, "commit", "-q", "-m", "attributes")
        settings = {
            "filter.evil.clean": cmd,
            "filter.evil.smudge": cmd,
            "filter.evil.process": cmd,
            "filter.evil.required": "true",
            "diff.evil.textconv": cmd,
        }
    elif hazard == "sshCommand":
        settings = {"core.sshCommand": cmd, "core.gitProxy": cmd}
    elif hazard == "uploadpack":
        settings = {"uploadpack.packObjectsHook": cmd, "core.alternateRefsCommand": cmd}
    elif hazard == "submodule":
        (repo / ".gitmodules").write_text(
            f'[submodule "evil"]\n\tpath = evil\n\turl = ext::sh -c {cmd.replace(" ", "% ")}\n'
        )
        git(repo, "add", ".gitmodules")
        blob = git(repo, "hash-object", "-w", "--stdin", stdin=b"x")
        git(repo, "update-index", "--add", "--cacheinfo", f"160000,{blob},evil")
        git(repo, "commit", "-q", "-m", "submodule")
        settings = {"submodule.recurse": "true", "protocol.ext.allow": "always"}
    else:
        raise ValueError(hazard)
    for key, value in settings.items():
        git(repo, "config", key, value)


#: In an order that arms them all in one repository: the ones that commit come first, as the
#: test's own git would trip the filter, fsmonitor and hooks armed before a commit.
HAZARDS = ("submodule", "filter", "fsmonitor", "hooks", "sshCommand", "uploadpack")


def git_bomb(root: Path, *, fanout: int = 10, levels: int = 5) -> Path:
    """fanout**levels files (100,000 by default) in a pack of a few KiB: every folder of
    every level is the same tree object, every file the same blob."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    blob = git(root, "hash-object", "-w", "--stdin", stdin=b"boom\n")
    entries = "".join(f"100644 blob {blob}\tf{i}\n" for i in range(fanout))
    tree = git(root, "mktree", stdin=entries.encode())
    for _ in range(levels - 1):
        entries = "".join(f"040000 tree {tree}\td{i}\n" for i in range(fanout))
        tree = git(root, "mktree", stdin=entries.encode())
    commit = git(root, "commit-tree", tree, "-m", "bomb")
    git(root, "update-ref", "refs/heads/main", commit)
    git(root, "gc", "-q")
    return root


def deep_repo(root: Path, depth: int) -> Path:
    """One file ``depth`` folders deep, committed with git fast-import (one process)."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    path = "/".join(["d"] * depth) + "/f.txt"
    stream = (
        "commit refs/heads/main\n"
        "committer Learner <learner@example.org> 0 +0000\n"
        "data 4\ndeep\n"
        f"M 100644 inline {path}\n"
        "data 2\nx\n\n"
    )
    git(root, "fast-import", "--quiet", stdin=stream.encode())
    return root


def deep_folder(root: Path, depth: int) -> Path:
    """``root`` with one file ``depth`` folders deep (made relative: paths stay short)."""
    root.mkdir(parents=True)
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("f.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as f:
            f.write("x")
    finally:
        os.close(fd)
    return root


def remove_deep(root: Path) -> None:
    """Remove a tree deeper than Python's recursion allows (pytest's cleanup would fail)."""
    subprocess.run(["rm", "-rf", "--", str(root)], check=True)


def tree_stats(root: Path) -> tuple[int, int]:
    """(entries, bytes) under ``root``, links not followed: the host-side footprint."""
    entries = size = 0
    for dirpath, dirnames, filenames in os.walk(root):
        entries += len(dirnames) + len(filenames)
        for name in filenames:
            try:
                size += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
    return entries, size


@dataclass(frozen=True, kw_only=True)
class GitServer:
    """Base URL of the loopback git server; ``url(name)`` is a repository's clone URL."""

    base: str

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"


def _handler(root: Path, behaviour: str, rate: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._backend()

        def do_POST(self) -> None:
            self._backend()

        def _backend(self) -> None:
            if behaviour == "stall":
                time.sleep(3600)
            if behaviour.startswith("auth:") and self.headers.get("Authorization") != behaviour[5:]:
                behaviour_now = "401"
            else:
                behaviour_now = behaviour
            if behaviour_now in ("401", "403", "404"):
                self.send_response(int(behaviour_now))
                if behaviour_now == "401":
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urlsplit(self.path)
            out = subprocess.run(
                ["git", "http-backend"],
                input=body,
                capture_output=True,
                check=True,
                env={
                    "PATH": os.environ["PATH"],
                    "GIT_PROJECT_ROOT": str(root),
                    "GIT_HTTP_EXPORT_ALL": "1",
                    "GIT_CONFIG_NOSYSTEM": "1",
                    "GIT_CONFIG_GLOBAL": os.devnull,
                    "PATH_INFO": parts.path,
                    "QUERY_STRING": parts.query,
                    "REQUEST_METHOD": self.command,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                    "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                },
            ).stdout
            head, _, payload = out.partition(b"\r\n\r\n")
            status = 200
            headers = []
            for line in head.decode().split("\r\n"):
                name, _, value = line.partition(": ")
                if name.lower() == "status":
                    status = int(value.split()[0])
                else:
                    headers.append((name, value))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            # Trickle the pack: a download the evaluator must stop part-way.
            for at in range(0, len(payload), rate // 20):
                self.wfile.write(payload[at : at + rate // 20])
                time.sleep(0.05)

    return Handler


@contextmanager
def git_server(
    root: Path, behaviour: str = "serve", rate: int = 4 * 1024 * 1024
) -> Iterator[GitServer]:
    """Smart HTTP git on 127.0.0.1 serving the repositories under ``root`` at ``rate`` bytes/s;
    or answering every request with 401/403/404, or never answering ('stall'); 'auth:VALUE'
    serves only requests whose Authorization header is VALUE."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(root, behaviour, rate))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield GitServer(base=f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
