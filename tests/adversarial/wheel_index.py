"""Wheels a learner could publish, built by the tests, served from an HTTPS index on loopback.

The evaluator's host pip resolves and downloads from the configured index
(``CAPSTONE_EVAL_PIP_INDEX_URL``) over HTTPS only; this index is a PEP 503
"simple" repository on 127.0.0.1 with a throwaway certificate that the test
passes as the evaluator's CA bundle. Nothing is committed: every wheel is a zip
written here, with the RECORD pip checks.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import ssl
import subprocess
import threading
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def build_wheel(
    folder: Path,
    name: str,
    version: str,
    files: Mapping[str, str],
    *,
    console_scripts: Mapping[str, str] | None = None,
    compression: int = zipfile.ZIP_STORED,
) -> Path:
    """A pure-Python wheel holding ``files`` (paths as pip reads them, ``.data/`` included)."""
    info = f"{name}-{version}.dist-info"
    members = {path: text.encode() for path, text in files.items()}
    members[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    )
    members[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: capstone-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    if console_scripts:
        lines = "".join(f"{key} = {value}\n" for key, value in console_scripts.items())
        members[f"{info}/entry_points.txt"] = f"[console_scripts]\n{lines}".encode()
    record = [f"{path},{_record_hash(data)},{len(data)}" for path, data in members.items()]
    members[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", compression=compression) as wheel:
        for member, data in members.items():
            entry = zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0))
            entry.external_attr = 0o100755 << 16  # scripts keep their executable bit
            entry.compress_type = compression
            wheel.writestr(entry, data)
    return path


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True, kw_only=True)
class Index:
    """A running index: its ``/simple`` URL, the CA bundle that trusts it, the paths requested."""

    url: str
    ca_bundle: Path
    hits: list[str]


def _handler(wheels: Path, hits: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            if len(parts) == 2 and parts[0] == "simple":
                self._page(parts[1])
            elif len(parts) == 2 and parts[0] == "files" and (wheels / parts[1]).is_file():
                self._send(200, (wheels / parts[1]).read_bytes(), "application/octet-stream")
            else:
                self._send(404, b"not found", "text/plain")

        def _page(self, project: str) -> None:
            found = [
                w
                for w in sorted(wheels.glob("*.whl"))
                if _canonical(w.name.split("-")[0]) == _canonical(project)
            ]
            if not found:
                self._send(404, b"not found", "text/plain")
                return
            links = "".join(
                f'<a href="/files/{html.escape(w.name)}#sha256={hashlib.sha256(w.read_bytes()).hexdigest()}">'
                f"{html.escape(w.name)}</a>\n"
                for w in found
            )
            self._send(
                200, f"<!DOCTYPE html><html><body>\n{links}</body></html>".encode(), "text/html"
            )

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl, which Debian's ca-certificates needs)."""
    cert, key = folder / "index.crt", folder / "index.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@contextmanager
def https_index(wheels: Path, scratch: Path) -> Iterator[Index]:
    """Serve the wheels in ``wheels`` as a simple index on https://127.0.0.1:<port>/simple."""
    cert, key = _certificate(scratch)
    hits: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(wheels, hits))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Index(
            url=f"https://127.0.0.1:{server.server_address[1]}/simple", ca_bundle=cert, hits=hits
        )
    finally:
        server.shutdown()
        server.server_close()
