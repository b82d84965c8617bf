"""The sandbox images built on this engine, one per interpreter, read from their ``target.json``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from evaluator.errors import EngineUnavailable
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.interpreters import (
    INTERPRETERS,
    SandboxTarget,
    interpreter_image,
    parse_target,
)

TARGET_FILE = "/opt/sandbox/target.json"

#: The ``target.json`` of each image read so far, by image id. An id names the image's
#: content, so what it says never changes: a process that evaluates again (a batch worker,
#: the GitHub App) reads it once instead of starting a container per image per evaluation.
_DESCRIPTIONS: dict[str, bytes] = {}


def load_target(engine: DockerEngine, image: str) -> SandboxTarget | None:
    """The interpreter inside ``image``, or None when the image is not built."""
    image_id = engine.image_id(image)
    if image_id is None:
        return None
    # Read by id, not tag: a tag moved meanwhile cannot pair one image's id with another's file.
    raw = _DESCRIPTIONS.get(image_id) or engine.read_file(image_id, TARGET_FILE) or b""
    try:
        target = parse_target(image, image_id, raw)
    except (ValueError, KeyError, TypeError) as exc:
        raise EngineUnavailable(
            f"the sandbox image {image} does not describe its Python ({TARGET_FILE}: {exc})",
            hint="rebuild it with `capstone-eval sandbox setup` (add --python X.Y for another one)",
        ) from None
    _DESCRIPTIONS[image_id] = raw
    return target


def load_targets(
    engine: DockerEngine, default_image: str
) -> tuple[SandboxTarget, tuple[SandboxTarget, ...]]:
    """The default image's interpreter and every interpreter built beside it.

    The images are read side by side (each read is a container the engine creates).
    """
    with ThreadPoolExecutor(max_workers=len(INTERPRETERS) + 1) as pool:
        first = pool.submit(load_target, engine, default_image)
        others = {
            minor: pool.submit(load_target, engine, interpreter_image(default_image, minor))
            for minor in INTERPRETERS
        }
        default = first.result()
        if default is None:
            engine.require_image(default_image)  # raises with the command that builds it
            raise EngineUnavailable(f"the sandbox image {default_image} is not built")
        # The default's own minor is not another interpreter (and is never asked for).
        found = [others[minor].result() for minor in INTERPRETERS if minor != default.minor]
    return default, (default, *(target for target in found if target is not None))
