"""Debian on the host: packages, the mirror, and sandbox base images bootstrapped offline.

The offline base is debootstrapped from the Debian mirror this machine's apt
sources name (a mirror serves every release, so Debian 13 comes from the same
one as the host's Debian 12); no host name is hard-coded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from evaluator import proc
from evaluator.errors import CommandFailed, SetupError
from evaluator.progress import ProgressFn
from evaluator.sandbox.apt_sources import debian_mirror, os_codename
from evaluator.sandbox.engine import DockerEngine

OFFLINE_BASE_PACKAGES = ("python3", "python3-venv", "python3-pip", "ca-certificates")


def is_root() -> bool:
    """Whether this process may install packages and debootstrap."""
    return os.geteuid() == 0


def need_root(what: str) -> SetupError:
    """The error for a step that needs root, with what to do instead."""
    return SetupError(
        f"{what} needs root",
        hint="run `sudo capstone-eval sandbox setup` once, or install Docker yourself "
        "(https://docs.docker.com/engine/install/) and add your user to the docker group",
    )


def apt_install(packages: list[str], progress: ProgressFn) -> None:
    """Install Debian packages (root only)."""
    missing = [p for p in packages if shutil.which(_binary_of(p)) is None]
    if not missing:
        return
    if not is_root():
        raise need_root(f"installing {' '.join(missing)}")
    progress(f"installing Debian packages: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    proc.run(["apt-get", "update", "-qq"], env=env, timeout=600)
    proc.run(["apt-get", "install", "-y", "-qq", *missing], env=env, timeout=1200)


def _binary_of(package: str) -> str:
    return {"docker.io": "dockerd"}.get(package, package)


def _apt_source_files() -> dict[str, str]:
    files = {}
    candidates = [Path("/etc/apt/sources.list")]
    sources_d = Path("/etc/apt/sources.list.d")
    if sources_d.is_dir():
        candidates += sorted(sources_d.iterdir())
    for path in candidates:
        if path.is_file() and path.suffix in (".list", ".sources"):
            files[path.name] = path.read_text(errors="replace")
    return files


def offline_base_tag(codename: str) -> str:
    """Tag of the debootstrapped base image."""
    return f"capstone-evaluator/base:{codename}"


def _host_codename() -> str | None:
    os_release = Path("/etc/os-release")
    return os_codename(os_release.read_text()) if os_release.exists() else None


def build_offline_base(engine: DockerEngine, codename: str, progress: ProgressFn) -> str:
    """debootstrap a minimal Debian ``codename`` with python3 and import it as an image."""
    tag = offline_base_tag(codename)
    if engine.image_id(tag):
        return tag
    mirror = debian_mirror(_apt_source_files(), codename, _host_codename())
    if mirror is None:
        raise SetupError(
            f"no Debian mirror for {codename} main found in /etc/apt/sources.list(.d)",
            hint="add the Debian mirror this machine uses to its apt sources",
        )
    if not is_root():
        raise need_root("debootstrap")
    apt_install(["debootstrap"], progress)
    with tempfile.TemporaryDirectory(prefix="capstone-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        progress(f"bootstrapping a minimal {codename} with python3 from {mirror} (about a minute)")
        try:
            proc.run(
                [
                    "debootstrap",
                    "--variant=minbase",
                    f"--include={','.join(OFFLINE_BASE_PACKAGES)}",
                    codename,
                    rootfs,
                    mirror,
                ],
                timeout=1800,
            )
        except CommandFailed as exc:
            raise SetupError(
                f"debootstrap from {mirror} failed:\n{exc.stdout[-1500:]}{exc.stderr[-1500:]}",
                hint="check that the mirror in /etc/apt/sources.list answers (apt-get update)",
            ) from None
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in (rootfs / cache).glob("*"):
                if item.is_file():
                    item.unlink()
        tarball = Path(tmp) / "rootfs.tar"
        progress("importing the base image into the engine")
        proc.run(["tar", "-C", rootfs, "--numeric-owner", "-cf", tarball, "."], timeout=600)
        repo, _, version = tag.partition(":")
        engine.client.api.import_image(
            src=str(tarball),
            repository=repo,
            tag=version,
            changes=["ENV PATH=/usr/local/bin:/usr/bin:/bin", 'CMD ["python3"]'],
        )
    return tag
