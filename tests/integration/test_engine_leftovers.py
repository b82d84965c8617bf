"""Leftover cleanup removes only what evaluator processes that are gone left behind."""

from __future__ import annotations

import contextlib
import socket
import subprocess

import docker.errors
import pytest
from docker.types import Mount

from evaluator.sandbox.owner import owner_id, process_owner
from evaluator.sandbox.reaper import reap_leftovers
from evaluator.sandbox.spec import LABEL, OWNER_ID_LABEL, OWNER_LABEL

pytestmark = pytest.mark.docker


def dead_pid() -> int:
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid


def test_leftovers_of_dead_owners_are_removed_live_ones_kept(engine, config, tmp_path):
    pid = dead_pid()
    namespace = owner_id().split(".")[0]
    owners = {
        "dead-old-label": {OWNER_LABEL: f"{socket.gethostname()}:{pid}"},
        "dead-owner-id": {OWNER_LABEL: "x", OWNER_ID_LABEL: f"{namespace}.{pid}.1"},
        "alive": {OWNER_LABEL: process_owner(), OWNER_ID_LABEL: owner_id()},
    }
    created = []
    try:
        for name, owner in owners.items():
            labels = {LABEL: "1", f"{LABEL}.test": name, **owner}
            mount = Mount(target="/capstone-in", source=None, type="volume", labels=labels)
            created.append(
                engine.client.containers.create(
                    config.sandbox_image,
                    ["true"],
                    labels=labels,
                    mounts=[mount],
                    network_mode="none",
                )
            )
        volume = engine.client.volumes.create(labels={LABEL: "1", **owners["dead-owner-id"]})
        scratch = tmp_path / f"capstone-eval-{namespace}.{pid}.1-x"
        scratch.mkdir()
        reaped = reap_leftovers(engine.client, scratch_root=tmp_path)
        remaining = {
            c.labels.get(f"{LABEL}.test")
            for c in engine.client.containers.list(
                all=True, filters={"label": LABEL}, ignore_removed=True
            )
        }
        assert "alive" in remaining
        assert not remaining & {"dead-old-label", "dead-owner-id"}
        # Other evaluations on this engine may reap the dead ones first: count only folders.
        assert reaped.folders == 1
        with pytest.raises(docker.errors.NotFound):
            engine.client.volumes.get(volume.id)
        assert not scratch.exists()
    finally:
        for container in created:
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True, v=True)
