"""The Pythons the sandbox offers, the image of each, and choosing one for a project (pure).

Each interpreter is a sandbox image: the default image (``CAPSTONE_EVAL_IMAGE``,
Python 3.11 on Debian 12) and one more per extra interpreter, tagged
``<default tag>-py<minor>`` (``capstone-eval sandbox setup --python 3.13``).
A project's ``requires-python`` (and the like) decides which may run it; a
``.python-version`` or ``runtime.txt`` picks among those; otherwise the newest
allowed one runs it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from evaluator.intake.dependencies import PythonAsk


@dataclass(frozen=True, kw_only=True)
class Interpreter:
    """How the sandbox image of one Python version is built."""

    minor: str
    codename: str
    """Debian release whose python3 is this version (offline builds debootstrap it)."""
    registry_base: str
    """Base image where a registry answers."""
    offline_stack: str
    """Where the stack comes from on the offline base: "pip" or "debian" (see the Dockerfile)."""


#: Interpreters the sandbox can be built for; the first is the default image's.
INTERPRETERS: Mapping[str, Interpreter] = {
    "3.11": Interpreter(
        minor="3.11", codename="bookworm", registry_base="python:3.11-slim", offline_stack="pip"
    ),
    # PyPI has no CPU build of torch for Linux (its wheels pull several GB of CUDA) and
    # this site's local torch wheel is for 3.11 only: Debian 13's python3-torch is a CPU
    # build made against Debian's numpy and Python 3.13, so the offline 3.13 image takes
    # the whole stack from Debian.
    "3.13": Interpreter(
        minor="3.13", codename="trixie", registry_base="python:3.13-slim", offline_stack="debian"
    ),
}
DEFAULT_MINOR = "3.11"


def interpreter_image(default_image: str, minor: str) -> str:
    """Tag of the sandbox image for ``minor``, derived from the default image's tag (pure)."""
    repo, _, tag = default_image.rpartition(":")
    if not repo or "/" in tag:  # no tag given: "registry:5000/sandbox" has a port, not a tag
        repo, tag = default_image, "latest"
    return f"{repo}:{tag}-py{minor}"


@dataclass(frozen=True, kw_only=True)
class SandboxTarget:
    """One built sandbox image and the interpreter inside it (from its ``target.json``)."""

    image: str
    image_id: str
    python: str
    implementation: str = "cp"
    abi: str
    platforms: tuple[str, ...]
    machine: str = "x86_64"
    stack: Mapping[NormalizedName, str] = field(default_factory=dict)
    """Preinstalled distributions: name -> version."""
    stack_extras: Mapping[NormalizedName, Mapping[str, tuple[str, ...]]] = field(
        default_factory=dict
    )
    """Requirements of each extra of each preinstalled distribution."""

    @property
    def minor(self) -> str:
        """``3.11`` for Python 3.11.2."""
        return ".".join(self.python.split(".")[:2])

    @property
    def label(self) -> str:
        """How reports name the interpreter: ``Python 3.11 on linux x86_64``."""
        return f"Python {self.minor} on linux {self.machine}"


def parse_target(image: str, image_id: str, raw: bytes) -> SandboxTarget:
    """A :class:`SandboxTarget` from the image's ``/opt/sandbox/target.json``; ValueError if bad."""
    data = json.loads(raw)
    packages = data.get("packages", [])
    return SandboxTarget(
        image=image,
        image_id=image_id,
        python=str(data["python"]),
        implementation=str(data.get("implementation", "cp")),
        abi=str(data["abi"]),
        platforms=tuple(str(p) for p in data["platforms"]),
        machine=str(data.get("machine", "x86_64")),
        stack={canonicalize_name(p["name"]): str(p["version"]) for p in packages},
        stack_extras={
            canonicalize_name(p["name"]): {k: tuple(v) for k, v in p.get("extras", {}).items()}
            for p in packages
        },
    )


@dataclass(frozen=True, kw_only=True)
class Choice:
    """The interpreter chosen for a project, or why none fits."""

    target: SandboxTarget | None
    reason: str
    """Why this one ran (or, with no target, why none could)."""


def _python_version(target: SandboxTarget) -> Version | None:
    try:
        return Version(target.python)
    except InvalidVersion:
        return None


def choose_target(
    asks: Sequence[PythonAsk], targets: Sequence[SandboxTarget], *, default: SandboxTarget
) -> Choice:
    """The newest target every required ask allows, preferring one a pin names (pure)."""
    required = [a for a in asks if a.required]
    wished = [a for a in asks if not a.required]
    if not asks:
        return Choice(target=default, reason="no Python version declared: the default sandbox")

    def allowed(target: SandboxTarget) -> bool:
        version = _python_version(target)
        return version is not None and all(
            a.specifier.contains(version, prereleases=True) for a in required
        )

    fitting = sorted(
        (t for t in targets if allowed(t)), key=lambda t: _python_version(t) or Version("0")
    )
    if not fitting:
        asked = "; ".join(f"{a.specifier} ({a.origin})" for a in required)
        offered = ", ".join(sorted({t.minor for t in targets}))
        return Choice(target=None, reason=f"requires Python {asked}: the sandbox offers {offered}")
    for ask in wished:
        named = [t for t in fitting if ask.specifier.contains(t.python, prereleases=True)]
        if named:
            return Choice(target=named[-1], reason=f"Python {ask.specifier} asked by {ask.origin}")
    reason = "the newest Python offered"
    if required:
        reason = f"the newest Python that {', '.join(str(a.origin) for a in required)} allows"
    if wished:
        reason += f" ({wished[0].specifier} from {wished[0].origin} is not offered)"
    return Choice(target=fitting[-1], reason=reason)


def unbuilt_fit(asks: Sequence[PythonAsk], built: Sequence[SandboxTarget]) -> str | None:
    """A supported interpreter that the required asks allow but this engine lacks (pure)."""
    required = [a for a in asks if a.required]
    have = {t.minor for t in built}
    for minor in reversed(list(INTERPRETERS)):
        candidates = (f"{minor}.0", f"{minor}.100")
        if minor not in have and any(
            all(a.specifier.contains(v, prereleases=True) for a in required) for v in candidates
        ):
            return minor
    return None
