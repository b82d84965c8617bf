"""Hostile dependency declarations: refused or inert, never reaching a process with network.

A loopback HTTP server stands in for the learner's index, VCS host and archive
host: it must never be contacted. A ``setup.py`` and a local package that write
a marker when executed must never run, on the host or in the install
container, so the marker is in neither, nor in the cached layer that an honest
learner with the same requirements receives next.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evaluator.model.report import Status
from evaluator.sandbox.spec import OWNER_LABEL, process_owner
from tests.install_support import evaluate_files, install_check

pytestmark = [pytest.mark.docker, pytest.mark.slow]

HONEST_REQUIREMENTS = "tabulate==0.9.0\ncolorama==0.4.6\n"
HONEST_TESTS = (
    "import colorama\nimport tabulate\n\n\n"
    "def test_installed():\n    assert tabulate.__version__ == '0.9.0'\n"
)
IN_CONTAINER_MARKER = "/opt/venv/PWNED"


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def learner_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback server the hostile declarations point at; yields (base URL, hits)."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def marker_code(host_marker: Path) -> str:
    """Python that leaves a trace wherever it runs: on the host and in the container."""
    return (
        "import os, sys\n"
        f"open({str(host_marker)!r}, 'w').write('ran on the host')\n"
        f"open({IN_CONTAINER_MARKER!r}, 'w').write('ran in the sandbox')\n"
    )


def hostile_repository(url: str, host_marker: Path) -> dict[str, str]:
    return {
        "requirements.txt": HONEST_REQUIREMENTS
        + "--no-binary :all:\n"
        + f"--extra-index-url {url}/simple\n"
        + f"--\\\nindex-url={url}/simple\n"
        + f"git+{url}/evil.git#egg=evil\n"
        + "./evilpkg\n"
        + f"evil @ {url}/evil-1.0.tar.gz\n"
        + f'colorama; python_version > "3" --index-url={url}/simple\n',
        "pyproject.toml": "[project]\nname = 'app'\nversion = '1'\n"
        f'dependencies = ["tabulate\\n--index-url {url}/simple"]\n',
        "setup.py": marker_code(host_marker)
        + "from setuptools import setup\nsetup(name='app', install_requires=['colorama==0.4.6'])\n",
        "evilpkg/setup.py": marker_code(host_marker)
        + "from setuptools import setup\nsetup(name='evil')\n",
        "tests/test_app.py": HONEST_TESTS,
    }


def install_network_modes(engine, since: float) -> list[str]:
    """Network of every install container this process started since ``since`` (engine events)."""
    until = time.time() + 1
    ours = f"{OWNER_LABEL}={process_owner()}"
    created = {
        event["id"]
        for event in engine.client.events(
            since=int(since),
            until=int(until),
            decode=True,
            filters={
                "type": "container",
                "event": "create",
                "label": ["capstone-evaluator.purpose=install", ours],
            },
        )
    }
    return [
        event["Actor"]["Attributes"]["name"]
        for event in engine.client.events(
            since=int(since),
            until=int(until),
            decode=True,
            filters={"type": "network", "event": "connect"},
        )
        if event["Actor"]["Attributes"].get("container") in created
    ]


def test_hostile_declarations_are_refused_and_inert(
    tmp_path, engine, install_config, deps_layers, learner_server
):
    url, hits = learner_server
    host_marker = tmp_path / "PWNED-on-host"
    started = time.time()
    report = evaluate_files(
        tmp_path / "hostile", hostile_repository(url, host_marker), install_config, deps_layers
    )
    install = install_check(report)
    assert install.status is Status.PASS, (install.summary, install.log)
    assert install.metrics["cached"] is False
    refused_lines = sorted(f.line for f in install.findings if f.path == "requirements.txt")
    assert refused_lines == [3, 4, 5, 7, 8, 9, 10]
    assert [f.path for f in install.findings if f.path != "requirements.txt"] == ["pyproject.toml"]
    assert hits == []
    assert not host_marker.exists()
    layer = report.sandbox.deps_image
    assert layer is not None
    assert engine.read_file(layer, IN_CONTAINER_MARKER) is None
    assert install_network_modes(engine, started) == ["none"]
    assert report.check("tests").status is Status.PASS

    twin = evaluate_files(
        tmp_path / "honest",
        {"requirements.txt": HONEST_REQUIREMENTS, "tests/test_app.py": HONEST_TESTS},
        install_config,
        deps_layers,
    )
    twin_install = install_check(twin)
    assert twin_install.status is Status.PASS and twin_install.metrics["cached"] is True
    assert twin.sandbox.deps_image == layer
    assert engine.read_file(layer, IN_CONTAINER_MARKER) is None
    assert twin.check("tests").status is Status.PASS
    assert hits == []


def test_pip_configuration_in_the_repository_is_ignored(
    tmp_path, engine, install_config, deps_layers, learner_server, monkeypatch
):
    url, hits = learner_server
    monkeypatch.setenv(
        "PIP_INDEX_URL", f"{url}/simple"
    )  # the host pip runs with a clean environment
    files = {
        "pip.conf": f"[global]\nindex-url = {url}/simple\nno-binary = :all:\n",
        "requirements.txt": "tabulate==0.9.0\n",
        "tests/test_app.py": "import tabulate\n\n\ndef test_installed():\n    assert tabulate\n",
    }
    install = install_check(
        evaluate_files(tmp_path / "pipconf", files, install_config, deps_layers)
    )
    assert install.status is Status.PASS, (install.summary, install.log)
    assert hits == []
