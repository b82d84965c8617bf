"""The sandbox virtualenv's site folders, found without running ``site`` (standard library only).

The evaluator's programs that share no process with learner code (the hidden-test
harness, the service prober, the notebook runner) start as ``python -I -S``, so no
``.pth`` file and no ``sitecustomize`` of a learner's dependency runs in them. One that
needs the stack's libraries (pytest, nbclient) calls :func:`use_site_dirs`: the
virtualenv's site-packages (and the interpreter's own, when the virtualenv
includes them, as Debian's stack does) go on ``sys.path`` after the standard
library, and ``sys.prefix`` becomes the virtualenv's, as ``site`` would make them,
without reading a single ``.pth`` file.
"""

from __future__ import annotations

import os
import re
import site
import sys
import sysconfig


def venv_prefix() -> str:
    """The virtualenv of the running interpreter (its ``bin/python``'s parent folder)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(sys.executable)))


def venv_paths(prefix: str) -> dict[str, str]:
    """Where pip installs into the virtualenv at ``prefix`` (purelib, platlib, scripts, data)."""
    scheme = "venv" if "venv" in sysconfig.get_scheme_names() else "posix_prefix"
    names = ("base", "platbase", "installed_base", "installed_platbase")
    return sysconfig.get_paths(scheme, vars=dict.fromkeys(names, prefix))


def includes_system_site(prefix: str) -> bool:
    """Whether the virtualenv's ``pyvenv.cfg`` says it sees the interpreter's own packages."""
    try:
        with open(os.path.join(prefix, "pyvenv.cfg"), encoding="utf-8") as handle:
            config = handle.read().lower()
    except OSError:
        return False
    return re.search(r"^\s*include-system-site-packages\s*=\s*true\s*$", config, re.M) is not None


def site_dirs(prefix: str | None = None) -> list[str]:
    """The folders ``site`` would add for the virtualenv, in its order, resolved, existing."""
    prefix = prefix or venv_prefix()
    paths = venv_paths(prefix)
    folders = [paths["purelib"], paths["platlib"]]
    if includes_system_site(prefix):
        folders += site.getsitepackages([sys.base_prefix])
    resolved = [os.path.realpath(f) for f in folders if os.path.isdir(f)]
    return [f for i, f in enumerate(resolved) if f not in resolved[:i]]


def use_site_dirs() -> None:
    """Make the virtualenv's packages importable in a ``-I -S`` process, no ``.pth`` file read."""
    prefix = venv_prefix()
    if os.path.isfile(os.path.join(prefix, "pyvenv.cfg")):
        sys.prefix = sys.exec_prefix = prefix
    sys.path.extend(f for f in site_dirs(prefix) if f not in sys.path)
