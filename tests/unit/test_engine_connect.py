"""Connecting to a Docker engine that is not there: a sentence that says where and why."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from evaluator.errors import EngineUnavailable
from evaluator.sandbox.engine import DockerEngine


def test_a_missing_socket_is_named_with_the_reason(tmp_path: Path) -> None:
    where = f"unix://{tmp_path}/dead.sock"
    with pytest.raises(EngineUnavailable) as caught:
        DockerEngine.connect(where, timeout=5)
    assert caught.value.message == (
        f"no Docker engine answers at {where}: nothing listens there (no such socket)"
    )
    assert caught.value.hint is not None and "unset DOCKER_HOST" in caught.value.hint
    assert "Error while fetching" not in str(caught.value)


def test_a_closed_port_is_a_refused_connection() -> None:
    with socket.socket() as probe:  # a port nothing listens on: bound, then closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(EngineUnavailable, match="the connection was refused"):
        DockerEngine.connect(f"tcp://127.0.0.1:{port}", timeout=5)
