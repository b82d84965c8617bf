"""From a fresh machine to a ready sandbox: engine, base image, sandbox image.

Every step is idempotent: on a ready machine, setup only checks and returns in
seconds. Steps that need root (installing Debian packages, starting dockerd,
debootstrap) say so when run without it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors

from evaluator import proc
from evaluator.errors import CommandFailed, EngineUnavailable, SetupError
from evaluator.paths import bundled
from evaluator.progress import ProgressFn
from evaluator.sandbox.debian import (
    apt_install,
    build_offline_base,
    is_root,
    need_root,
    offline_base_tag,
)
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.interpreters import (
    DEFAULT_MINOR,
    INTERPRETERS,
    Interpreter,
    interpreter_image,
)

DOCKERD_ARGS = ("--iptables=false", "--ip-masq=false", "--bridge=none")
DOCKERD_LOG = Path("/var/log/capstone-evaluator-dockerd.log")
SANDBOX_REPO = "capstone-evaluator/sandbox"


@dataclass(frozen=True, kw_only=True)
class SetupResult:
    """What setup ended with."""

    base_image: str
    sandbox_image: str
    sandbox_image_id: str
    built: bool
    python: str = DEFAULT_MINOR


def ensure_engine(
    docker_host: str | None, progress: ProgressFn, wait_s: float = 60
) -> DockerEngine:
    """Connect to a Docker engine, installing and starting one when none answers."""
    try:
        return DockerEngine.connect(docker_host, timeout=30)
    except EngineUnavailable:
        if docker_host:
            raise
    apt_install(["docker.io"], progress)
    if not is_root():
        raise need_root("starting dockerd")
    progress(f"starting dockerd in the background (log: {DOCKERD_LOG})")
    with DOCKERD_LOG.open("ab") as log:
        subprocess.Popen(
            ["dockerd", *DOCKERD_ARGS],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return DockerEngine.connect(None, timeout=10)
        except EngineUnavailable:
            if time.monotonic() > deadline:
                tail = DOCKERD_LOG.read_text(errors="replace")[-1500:]
                raise EngineUnavailable(
                    f"dockerd did not answer within {wait_s:.0f} s; end of its log:\n{tail}",
                    hint=f"read {DOCKERD_LOG}; another dockerd may hold /var/run/docker.pid",
                ) from None
            time.sleep(1)


def ensure_base_image(
    engine: DockerEngine, base: str | None, interpreter: Interpreter, progress: ProgressFn
) -> tuple[str, str]:
    """The base image to build on and where its stack comes from (``pip`` or ``debian``).

    ``base`` (``--base``) or the interpreter's registry image, present locally or
    pulled; when no registry answers, a Debian base debootstrapped offline.
    """
    wanted = base or interpreter.registry_base
    if engine.image_id(wanted):
        return wanted, "pip"
    offline = offline_base_tag(interpreter.codename)
    if base is None and engine.image_id(offline):
        # Built here before, as no registry answered: a re-run uses it without asking the
        # network again (which can hang), and the sandbox image built on it stays current.
        return offline, interpreter.offline_stack
    progress(f"pulling {wanted}")
    try:
        repo, _, tag = wanted.partition(":")
        engine.client.images.pull(repo, tag=tag or "latest")
    except docker.errors.APIError as exc:
        if base is not None:
            raise SetupError(
                f"cannot pull the base image {base}: {str(exc).splitlines()[0][:200]}",
                hint="load it into the engine first (docker load) or leave out --base",
            ) from None
        progress(
            f"no registry gives {wanted} ({str(exc).splitlines()[0][:160]}); "
            f"building a Debian {interpreter.codename} base offline instead"
        )
        return build_offline_base(engine, interpreter.codename, progress), interpreter.offline_stack
    return wanted, "pip"


def find_local_torch_wheel(find_links: list[Path], minor: str = DEFAULT_MINOR) -> Path | None:
    """A CPU build of torch for Python ``minor`` in pip's find-links folders, if any."""
    cp = "cp" + minor.replace(".", "")
    for folder in find_links:
        if folder.is_dir():
            wheels = sorted(folder.glob(f"torch-*+cpu-{cp}-*.whl"))
            if wheels:
                return wheels[-1]
    return None


def pip_find_links(env: Mapping[str, str]) -> list[Path]:
    """pip's configured find-links folders (environment first, then pip's config)."""
    raw = env.get("PIP_FIND_LINKS", "")
    if not raw:
        with contextlib.suppress(OSError, CommandFailed, subprocess.TimeoutExpired):
            done = proc.run(
                ["python3", "-m", "pip", "config", "get", "global.find-links"],
                check=False,
                timeout=30,
            )
            raw = done.stdout if done.returncode == 0 else ""
    return [Path(p) for p in raw.split() if p and "://" not in p]


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on loopback while the build runs; yields the URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


def sandbox_build_inputs(dockerfile_dir: Path) -> list[Path]:
    """Files whose content defines the sandbox image."""
    names = ("Dockerfile", "requirements-sandbox.txt", "stack-debian.txt", "describe.py")
    return [dockerfile_dir / name for name in names]


def image_content_tag(inputs: list[Path], base_id: str, build_args: Mapping[str, str]) -> str:
    """A tag that changes whenever the image's definition changes (pure but for reading files)."""
    digest = hashlib.sha256(base_id.encode())
    for path in inputs:
        digest.update(path.read_bytes())
    for key in sorted(build_args):
        if key != "PIP_FIND_LINKS":  # the loopback port changes every run
            digest.update(f"{key}={build_args[key]}".encode())
    return f"{SANDBOX_REPO}:{digest.hexdigest()[:12]}"


def build_sandbox_image(
    engine: DockerEngine,
    *,
    base: str,
    tag: str,
    env: Mapping[str, str],
    ca_bundle: Path | None,
    progress: ProgressFn,
    force: bool = False,
    stack: str = "pip",
    python: str = DEFAULT_MINOR,
) -> SetupResult:
    """Build the sandbox image from ``sandbox/Dockerfile`` on ``base`` (cached by content)."""
    base_id = engine.image_id(base) or ""
    dockerfile_dir = bundled("sandbox")
    wheel = find_local_torch_wheel(pip_find_links(env), python) if stack == "pip" else None
    args: dict[str, str] = {"BASE": base, "STACK": stack}
    if wheel is not None:
        version = wheel.name.split("-")[1]
        args |= {"TORCH_REQUIREMENT": f"torch=={version}", "TORCH_INDEX_URL": ""}
    content_tag = image_content_tag(sandbox_build_inputs(dockerfile_dir), base_id, args)
    existing = engine.image_id(content_tag)
    if existing and not force:
        engine.client.images.get(content_tag).tag(*tag.split(":", 1))
        return SetupResult(
            base_image=base,
            sandbox_image=tag,
            sandbox_image_id=existing,
            built=False,
            python=python,
        )
    with tempfile.TemporaryDirectory(prefix="capstone-build-") as tmp:
        context = Path(tmp) / "context"
        wheels = Path(tmp) / "wheels"
        context.mkdir()
        wheels.mkdir()
        for path in sandbox_build_inputs(dockerfile_dir):
            shutil.copy2(path, context / path.name)
        ca_target = context / "host-ca.crt"
        if ca_bundle is not None and ca_bundle.is_file():
            shutil.copyfile(ca_bundle, ca_target)
        else:
            ca_target.write_bytes(b"")
        if wheel is not None:
            (wheels / wheel.name).symlink_to(wheel)
        with serve_folder(wheels) as url:
            if wheel is not None:
                args["PIP_FIND_LINKS"] = url
                progress(f"using the local CPU build of torch {wheel.name}")
            progress(f"building the sandbox image {content_tag} on {base} (several minutes)")
            _stream_build(engine, context, content_tag, args, progress)
    image = engine.client.images.get(content_tag)
    image.tag(*tag.split(":", 1))
    return SetupResult(
        base_image=base,
        sandbox_image=tag,
        sandbox_image_id=str(image.id),
        built=True,
        python=python,
    )


def _stream_build(
    engine: DockerEngine, context: Path, tag: str, args: dict[str, str], progress: ProgressFn
) -> None:
    last: list[str] = []
    stream = engine.client.api.build(
        path=str(context),
        tag=tag,
        buildargs=args,
        network_mode="host",
        rm=True,
        forcerm=True,
        decode=True,
        pull=False,
    )
    for event in stream:
        if "error" in event:
            detail = "".join(last[-30:])
            raise SetupError(
                f"building the sandbox image failed: {event['error'].strip()}\n{detail}",
                hint="read the build output above; pip needs the package index reachable",
            )
        text = str(event.get("stream", ""))
        if text:
            last.append(text)
            for line in text.splitlines():
                if line.startswith(("Step ", "Successfully")) or "Downloading" in line:
                    progress(line.strip()[:160])


def setup(
    *,
    docker_host: str | None,
    base: str | None,
    tag: str,
    env: Mapping[str, str],
    ca_bundle: Path | None,
    progress: ProgressFn,
    force: bool = False,
    python: str | None = None,
) -> SetupResult:
    """Engine, base image and sandbox image, each only when missing.

    ``python`` (``--python 3.13``) builds that interpreter's image beside the
    default one, tagged ``<tag>-py3.13``; without it the default (3.11) image.
    """
    minor = python or DEFAULT_MINOR
    interpreter = INTERPRETERS.get(minor)
    if interpreter is None:
        raise SetupError(
            f"no sandbox image for Python {minor}",
            hint=f"choose one of {', '.join(INTERPRETERS)}",
        )
    engine = ensure_engine(docker_host, progress)
    leftovers = engine.remove_leftovers()
    if leftovers:
        progress(
            f"removed {leftovers} leftover(s) of stopped evaluations "
            "(containers, volumes, scratch folders)"
        )
    base_image, stack = ensure_base_image(engine, base, interpreter, progress)
    return build_sandbox_image(
        engine,
        base=base_image,
        tag=tag if minor == DEFAULT_MINOR else interpreter_image(tag, minor),
        env=env,
        ca_bundle=ca_bundle,
        progress=progress,
        force=force,
        stack=stack,
        python=minor,
    )
