"""Leftover cleanup removes only containers whose evaluator process is gone."""

from __future__ import annotations

import contextlib
import socket
import subprocess

import docker.errors
import pytest

from evaluator.sandbox.spec import LABEL, OWNER_LABEL, process_owner

pytestmark = pytest.mark.docker


def test_leftovers_of_dead_owners_are_removed_live_ones_kept(engine, config):
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead_owner = f"{socket.gethostname()}:{finished.pid}"
    created = []
    try:
        for owner in (dead_owner, process_owner()):
            container = engine.client.containers.create(
                config.sandbox_image,
                ["true"],
                labels={LABEL: "1", OWNER_LABEL: owner},
                network_mode="none",
            )
            created.append(container)
        engine.remove_leftovers()
        remaining = {
            c.labels[OWNER_LABEL]
            for c in engine.client.containers.list(all=True, filters={"label": LABEL})
        }
        assert dead_owner not in remaining
        assert process_owner() in remaining
    finally:
        for container in created:
            # the dead owner's container is already gone: removed by the code under test
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)
