"""Host pip, for the sandbox's interpreter: resolve (metadata only), then download wheels.

The host is where the network is, so nothing learner-influenced runs here but
pip itself, and pip takes no configuration from anyone but the evaluator:
``--isolated`` (no pip.conf, no ``PIP_*``), an environment built from scratch,
a working folder of the evaluator's own, requirements passed as separate
arguments (each a re-serialised ``packaging`` requirement), wheels only
(``--only-binary=:all:`` with the sandbox's Python version, implementation,
ABI and platforms). Downloads are hash-pinned to what the resolution saw.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from evaluator import proc
from evaluator.install.cache import WheelCache
from evaluator.install.stubs import is_stub_version
from evaluator.intake.clone import disk_bytes
from evaluator.sandbox.interpreters import SandboxTarget

PYPI = "https://pypi.org/simple"
_WHEEL_NAME = re.compile(r"^[A-Za-z0-9_.+!-]+\.whl$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NETWORK_TROUBLE = (
    "NewConnectionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "Could not fetch URL",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "SSLError",
)


@dataclass(frozen=True, kw_only=True)
class HostPip:
    """How the evaluator runs pip on the host (from configuration, never from the learner)."""

    index_url: str = PYPI
    ca_bundle: Path | None = None
    proxy_env: Mapping[str, str] | None = None
    timeout_s: float = 900.0
    max_bytes: int | None = None
    """The most pip may write in its working folder (downloads and their temporary copies)."""

    def environment(self, home: Path) -> dict[str, str]:
        """A clean environment: no ``PIP_*``, no user site, only the operator's proxies."""
        env = {
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "PYTHONNOUSERSITE": "1",
            "PATH": "/usr/bin:/bin",
        }
        return env | dict(self.proxy_env or {})

    def base_argv(self, command: str, cache: WheelCache | None) -> list[str]:
        """``python -m pip --isolated <command>`` with the index, CA bundle and cache (none:
        ``--no-cache-dir``)."""
        argv = [sys.executable, "-m", "pip", "--isolated", command, "--no-input"]
        argv += ["--disable-pip-version-check", "--progress-bar", "off", "--no-color"]
        argv += ["--index-url", self.index_url]
        argv += ["--cache-dir", str(cache.http)] if cache is not None else ["--no-cache-dir"]
        if self.ca_bundle is not None and self.ca_bundle.is_file():
            argv += ["--cert", str(self.ca_bundle)]
        return argv


def target_args(target: SandboxTarget) -> list[str]:
    """pip's options that make it choose wheels for the sandbox's interpreter (pure)."""
    args = ["--only-binary=:all:", "--python-version", target.python]
    args += ["--implementation", target.implementation, "--abi", target.abi]
    for platform in target.platforms:
        args += ["--platform", platform]
    return args


@dataclass(frozen=True, kw_only=True)
class ResolvedWheel:
    """One wheel the resolution chose: what to download and install."""

    name: NormalizedName
    version: str
    filename: str
    url: str
    sha256: str
    requested: bool

    @property
    def pin(self) -> str:
        """``name==version --hash=sha256:...``, the only line pip ever reads about it."""
        return f"{self.name}=={self.version} --hash=sha256:{self.sha256}"


@dataclass(frozen=True, kw_only=True)
class Resolution:
    """Wheels to install, and the preinstalled packages the resolution used."""

    wheels: tuple[ResolvedWheel, ...]
    preinstalled: tuple[tuple[str, str], ...]
    """(name, stack version) of preinstalled packages the requirements depend on."""

    def to_json(self) -> dict[str, Any]:
        """For the resolution cache."""
        return {
            "wheels": [w.__dict__ for w in self.wheels],
            "preinstalled": [list(p) for p in self.preinstalled],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Resolution:
        """From the resolution cache (written by :meth:`to_json`)."""
        return cls(
            wheels=tuple(ResolvedWheel(**w) for w in data["wheels"]),
            preinstalled=tuple((str(n), str(v)) for n, v in data["preinstalled"]),
        )


@dataclass(frozen=True, kw_only=True)
class PipFailure:
    """Why host pip could not resolve or download; ``operator`` when the index was unreachable."""

    summary: str
    log: str
    operator: bool = False
    conflict: bool = False


def _wheel_from_report(item: dict[str, Any]) -> ResolvedWheel | tuple[str, str] | None:
    """A report entry as a wheel to fetch, a (name, version) of the stack, or None if unusable."""
    meta = item.get("metadata", {})
    name, version = canonicalize_name(str(meta.get("name", ""))), str(meta.get("version", ""))
    if is_stub_version(version):
        return name, version.rsplit("+", 1)[0] if version.endswith("+sandbox") else version
    info = item.get("download_info", {})
    url = str(info.get("url", ""))
    sha = str(info.get("archive_info", {}).get("hashes", {}).get("sha256", ""))
    filename = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    if not _WHEEL_NAME.match(filename) or not _HEX64.match(sha) or not url.startswith("https://"):
        return None
    Version(version)  # the report comes from pip; a bad version would raise here, loudly
    return ResolvedWheel(
        name=name,
        version=version,
        filename=filename,
        url=url,
        sha256=sha,
        requested=bool(item.get("requested")),
    )


def failure_from_output(output: str, target: SandboxTarget) -> PipFailure:
    """What pip's output says went wrong, in a sentence the learner can act on (pure)."""
    log = output[-6000:]
    if any(marker in output for marker in _NETWORK_TROUBLE):
        return PipFailure(
            summary="the package index could not be reached from the evaluator's host",
            log=log,
            operator=True,
        )
    missing = re.search(r"No matching distribution found for (\S+)", output)
    if missing is not None:
        return PipFailure(
            summary=f"no wheel of {missing.group(1)} for {target.label}; pin a version that "
            "has one (source distributions are never built), or check the name",
            log=log,
        )
    if "ResolutionImpossible" in output or "conflict" in output.lower():
        return PipFailure(
            summary="your requirements conflict with each other or with the sandbox's "
            "preinstalled stack: relax the pins named in the log",
            log=log,
            conflict=True,
        )
    return PipFailure(summary="resolving your requirements failed: see pip's output", log=log)


def _run_pip(pip: HostPip, argv: list[str], workdir: Path) -> proc.Completed | PipFailure:
    """Run pip in ``workdir`` (its temporary files there too), stopped past ``pip.max_bytes``."""
    temp = workdir / "tmp"
    temp.mkdir(exist_ok=True)
    env = pip.environment(workdir) | {"TMPDIR": str(temp)}
    try:
        done = proc.run_watched(
            argv, cwd=workdir, env=env, timeout=pip.timeout_s, watch=_size_watch(pip, workdir)
        )
    except subprocess.TimeoutExpired:
        return PipFailure(
            summary=f"resolving and downloading your requirements took longer than "
            f"{pip.timeout_s:.0f} s: pin versions so that pip need not search",
            log="",
        )
    if done is None:
        limit = (pip.max_bytes or 0) // 2**20
        return PipFailure(
            summary=f"downloading your requirements passed {limit} MiB and was stopped: keep "
            "heavy packages you do not use out of your requirements (a CPU build where a GPU "
            "one is pulled in)",
            log="",
        )
    return done


def _size_watch(pip: HostPip, workdir: Path) -> Callable[[], bool] | None:
    """True while pip's working folder is within ``pip.max_bytes`` (None: no limit)."""
    limit = pip.max_bytes
    if limit is None:
        return None
    return lambda: disk_bytes(workdir) <= limit


def resolve(
    requirements: Sequence[str],
    constraints: Sequence[str],
    *,
    target: SandboxTarget,
    stubs: Path,
    cache: WheelCache,
    pip: HostPip,
    workdir: Path,
) -> Resolution | PipFailure:
    """Resolve for the sandbox's interpreter; downloads metadata, not wheels."""
    constraints_file = workdir / "constraints.txt"
    constraints_file.write_text("".join(f"{line}\n" for line in constraints))
    report = workdir / "report.json"
    argv = [*pip.base_argv("install", cache), "--dry-run", "--ignore-installed", "--quiet"]
    argv += ["--target", str(workdir / "never-written"), "--report", str(report)]
    argv += [*target_args(target), "--find-links", str(stubs), "-c", str(constraints_file)]
    done = _run_pip(pip, [*argv, "--", *requirements], workdir)
    if isinstance(done, PipFailure):
        return done
    if done.returncode != 0 or not report.is_file():
        return failure_from_output(done.stdout + "\n" + done.stderr, target)
    wheels: list[ResolvedWheel] = []
    preinstalled: list[tuple[str, str]] = []
    for item in json.loads(report.read_text()).get("install", []):
        found = _wheel_from_report(item)
        if isinstance(found, ResolvedWheel):
            wheels.append(found)
        elif isinstance(found, tuple):
            preinstalled.append((found[0], target.stack.get(canonicalize_name(found[0]), found[1])))
        else:
            name = item.get("metadata", {}).get("name", "?")
            return PipFailure(summary=f"{name} did not resolve to a wheel from the index", log="")
    return Resolution(wheels=tuple(wheels), preinstalled=tuple(preinstalled))


def download(
    wheels: Sequence[ResolvedWheel],
    *,
    target: SandboxTarget,
    cache: WheelCache,
    pip: HostPip,
    workdir: Path,
) -> int | PipFailure:
    """Fetch the wheels the cache lacks (hash-pinned) into the cache; returns bytes downloaded."""
    missing = [w for w in wheels if not cache.has(w.filename, w.sha256)]
    if not missing:
        return 0
    pins = workdir / "pins.txt"
    pins.write_text("".join(f"{w.pin}\n" for w in missing))
    folder = workdir / "downloaded"
    # No HTTP cache: the wheel cache keeps each wheel once, pip's would keep a second copy.
    argv = [*pip.base_argv("download", None), "--no-deps", "--require-hashes", "--quiet"]
    argv += [*target_args(target), "-d", str(folder), "-r", str(pins)]
    done = _run_pip(pip, argv, workdir)
    if isinstance(done, PipFailure):
        return done
    if done.returncode != 0:
        return failure_from_output(done.stdout + "\n" + done.stderr, target)
    total = 0
    for wheel in missing:
        path = folder / wheel.filename
        size = path.stat().st_size if path.is_file() else 0
        if not path.is_file() or not cache.store(path, wheel.sha256):
            return PipFailure(
                summary=f"the download of {wheel.filename} did not match its hash", log=""
            )
        total += size
    return total
