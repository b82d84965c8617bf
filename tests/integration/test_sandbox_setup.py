"""`capstone-eval sandbox setup` on a machine set up before: no network asked, no rebuild."""

from __future__ import annotations

import uuid

import pytest

from evaluator.sandbox.debian import offline_base_tag
from evaluator.sandbox.interpreters import Interpreter
from evaluator.sandbox.setup import ensure_base_image

pytestmark = pytest.mark.docker


def test_an_offline_base_built_before_is_used_without_asking_a_registry(engine, config):
    # A made-up release, so the tags are this test's own; its "registry" image is absent.
    codename = f"test-{uuid.uuid4().hex[:8]}"
    interpreter = Interpreter(
        minor="3.11", codename=codename, registry_base=f"127.0.0.1:9/none:{codename}",
        offline_stack="pip",
    )  # fmt: skip
    offline = offline_base_tag(codename)
    repo, _, tag = offline.partition(":")
    engine.client.images.get(config.sandbox_image).tag(repo, tag)
    said: list[str] = []
    try:
        assert ensure_base_image(engine, None, interpreter, said.append) == (offline, "pip")
    finally:
        engine.client.images.remove(offline)
    assert said == []  # no pull was tried: a registry that hangs cannot slow a re-run
