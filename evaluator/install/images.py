"""The sandbox images built on this engine, one per interpreter, read from their ``target.json``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from evaluator.errors import EngineUnavailable
from evaluator.install.cache import WheelCache
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.interpreters import (
    INTERPRETERS,
    SandboxTarget,
    interpreter_image,
    parse_target,
)

TARGET_FILE = "/opt/sandbox/target.json"


def _kept(cache: WheelCache | None, image: str, image_id: str) -> SandboxTarget | None:
    """The description kept from an earlier read of this image, when it still parses."""
    raw = cache.load_description(image_id) if cache is not None else None
    try:
        return parse_target(image, image_id, raw) if raw else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # a damaged copy (any JSON at all): the image is read again


def load_target(
    engine: DockerEngine, image: str, cache: WheelCache | None = None
) -> SandboxTarget | None:
    """The interpreter inside ``image``, or None when the image is not built.

    Reading the image starts a container; with ``cache`` what it says is kept by image id
    (an id names the image's content), so later evaluations read it from there.
    """
    image_id = engine.image_id(image)
    if image_id is None:
        return None
    kept = _kept(cache, image, image_id)
    if kept is not None:
        return kept
    # Read by id, not tag: a tag moved meanwhile cannot pair one image's id with another's file.
    raw = engine.read_file(image_id, TARGET_FILE) or b""
    try:
        target = parse_target(image, image_id, raw)
    except (ValueError, KeyError, TypeError) as exc:
        raise EngineUnavailable(
            f"the sandbox image {image} does not describe its Python ({TARGET_FILE}: {exc})",
            hint="rebuild it with `capstone-eval sandbox setup` (add --python X.Y for another one)",
        ) from None
    if cache is not None:
        cache.save_description(image_id, raw)
    return target


def load_targets(
    engine: DockerEngine, default_image: str, cache: WheelCache | None = None
) -> tuple[SandboxTarget, tuple[SandboxTarget, ...]]:
    """The default image's interpreter and every interpreter built beside it (read side by
    side; see :func:`load_target` for ``cache``)."""
    with ThreadPoolExecutor(max_workers=len(INTERPRETERS) + 1) as pool:
        first = pool.submit(load_target, engine, default_image, cache)
        others = {
            minor: pool.submit(load_target, engine, interpreter_image(default_image, minor), cache)
            for minor in INTERPRETERS
        }
        default = first.result()
        if default is None:
            engine.require_image(default_image)  # raises with the command that builds it
            raise EngineUnavailable(f"the sandbox image {default_image} is not built")
        # The default's own minor is not another interpreter (and is never asked for).
        found = [others[minor].result() for minor in INTERPRETERS if minor != default.minor]
    return default, (default, *(target for target in found if target is not None))
