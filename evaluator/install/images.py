"""The sandbox images built on this engine, one per interpreter, read from their ``target.json``."""

from __future__ import annotations

from evaluator.errors import EngineUnavailable
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.interpreters import (
    INTERPRETERS,
    SandboxTarget,
    interpreter_image,
    parse_target,
)

TARGET_FILE = "/opt/sandbox/target.json"


def load_target(engine: DockerEngine, image: str) -> SandboxTarget | None:
    """The interpreter inside ``image``, or None when the image is not built."""
    image_id = engine.image_id(image)
    if image_id is None:
        return None
    raw = engine.read_file(image, TARGET_FILE)
    try:
        return parse_target(image, image_id, raw or b"")
    except (ValueError, KeyError, TypeError) as exc:
        raise EngineUnavailable(
            f"the sandbox image {image} does not describe its Python ({TARGET_FILE}: {exc})",
            hint="rebuild it with `capstone-eval sandbox setup` (add --python X.Y for another one)",
        ) from None


def load_targets(
    engine: DockerEngine, default_image: str
) -> tuple[SandboxTarget, tuple[SandboxTarget, ...]]:
    """The default image's interpreter and every interpreter built beside it."""
    default = load_target(engine, default_image)
    if default is None:
        engine.require_image(default_image)  # raises with the command that builds it
        raise EngineUnavailable(f"the sandbox image {default_image} is not built")
    found = [default]
    for minor in INTERPRETERS:
        if minor != default.minor:
            other = load_target(engine, interpreter_image(default_image, minor))
            if other is not None:
                found.append(other)
    return default, tuple(found)
