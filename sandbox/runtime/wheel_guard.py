"""Before pip installs a learner's wheels: refuse any that would change the sandbox itself.

Runs in the install container as ``python -I -S wheel_guard.py WHEELS -- PIP_ARGS...``
(standard library only; nothing installed has run yet). pip overwrites whatever a
wheel names: a wheel could replace ``bin/python`` (the interpreter every evaluator
program is started with), ``pytest`` or ``_pytest`` (the hidden-test harness's
tools), put a ``sitecustomize`` in front of every Python process, or shadow a
preinstalled package from an earlier site folder. Evidence the evaluator labels
``verified`` comes from programs in this image, so a learner's wheel may only add
what is new:

- no file that already exists (in the environment, or anywhere a path leads);
- at the top of site-packages, no name that the image's import path already has
  (a package, a module, a ``*.libs`` folder of shared libraries), except new
  modules inside a namespace package; no ``*.dist-info`` of another distribution;
  no ``sitecustomize`` / ``usercustomize``;
- no module the standard library imports when it is there but this Python lacks
  (``nt``, ``msvcrt``, ``_winapi``, Jython's ``org``, ...): ``subprocess`` or
  ``copy`` would run it inside every evaluator program, ``-S`` or not;
- no command (script, or console or GUI entry point) that any folder of the
  sandbox's ``PATH`` already has (``python``, ``sh``, ``pytest``, ...).

A wheel of a distribution the environment already has (pip, setuptools, wheel:
the stack's other packages are pinned to versions no index carries) is an
upgrade: pip removes the files that distribution's ``RECORD`` lists first, so
those may be written again; everything else of it is checked like any wheel.
Every refusal is printed; the guard then exits ``REFUSED`` and pip never runs.
Otherwise it becomes pip (``exec``).
"""

from __future__ import annotations

import configparser
import csv
import importlib.machinery
import os
import posixpath
import re
import shutil
import sys
import sysconfig
import zipfile
import zlib
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sitedirs import site_dirs, venv_paths, venv_prefix

REFUSED = 3
#: The optional first argument: the most the wheels may unpack to, in bytes.
MAX_UNPACKED = "--max-unpacked="
MAX_SHOWN = 200
EVERY_PROCESS = ("sitecustomize", "usercustomize")
_SCHEMES = ("purelib", "platlib", "scripts", "data", "headers")
_MODULE_SUFFIXES = tuple(importlib.machinery.all_suffixes())
_MAX_ENTRY_POINTS = 1024 * 1024
_MAX_RECORD = 64 * 1024 * 1024
#: Modules of other platforms and of distributors that the standard library imports
#: when they are there, besides ``sys.stdlib_module_names`` (found by reading every
#: import statement of the standard library; tests/unit/test_wheel_guard.py re-reads it).
STDLIB_OPTIONAL = frozenset(
    {
        *("org", "java", "_winreg", "vms_lib", "apport_python_hook"),
        *("win32api", "win32con", "win32evtlog", "win32evtlogutil"),
    }
)
#: Where this interpreter's standard library lives (what ``-I -S`` leaves on sys.path).
STDLIB_FOLDERS = sorted(
    {
        sysconfig.get_path("stdlib"),
        sysconfig.get_path("platstdlib"),
        os.path.join(sysconfig.get_path("platstdlib"), "lib-dynload"),
    }
)


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Existing:
    """A top-level entry of a site folder."""

    folder: str
    entry: str
    namespace: bool
    """A folder without ``__init__.py``: new modules may join it."""


@dataclass
class Layout:
    """Where pip puts a wheel's files, and what the image already has there."""

    prefix: str
    site_dirs: list[str]
    """Every folder of the import path with third-party packages (the environment's first)."""
    scripts: str
    path: str
    """The sandbox's PATH."""
    python_version: str = f"{sys.version_info[0]}.{sys.version_info[1]}"
    modules: dict[str, Existing] = field(default_factory=dict)
    """Top-level site entries by the module name (or ``*.libs`` folder) they provide, the
    first folder's first."""

    def __post_init__(self) -> None:
        for folder in self.site_dirs:
            for entry in _listing(folder):
                path = os.path.join(folder, entry)
                namespace = (
                    entry.isidentifier()
                    and os.path.isdir(path)
                    and not os.path.exists(os.path.join(path, "__init__.py"))
                )
                found = Existing(folder=folder, entry=entry, namespace=namespace)
                name = _site_name(entry)
                if name is not None:
                    self.modules.setdefault(name, found)

    @property
    def site(self) -> str:
        """Where purelib and platlib files go."""
        return self.site_dirs[0]


def _listing(folder: str) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def environment_layout() -> Layout:
    """The layout of the interpreter running this script (the sandbox's virtualenv)."""
    prefix = venv_prefix()
    return Layout(
        prefix=os.path.realpath(prefix),
        site_dirs=site_dirs(prefix),
        scripts=os.path.realpath(venv_paths(prefix)["scripts"]),
        path=os.environ.get("PATH", os.defpath),
    )


def _resolved(path: str) -> str:
    """``path`` with the symlinks of its existing part resolved (where a write would land)."""
    head, rest = path, []
    while head != "/" and not os.path.lexists(head):
        head, tail = os.path.split(head)
        rest.append(tail)
    return os.path.join(os.path.realpath(head), *reversed(rest))


def _import_name(entry: str) -> str | None:
    """The module name a top-level site-packages entry provides, if any."""
    if entry.isidentifier():
        return entry
    for suffix in _MODULE_SUFFIXES:
        if entry.endswith(suffix) and entry[: -len(suffix)].isidentifier():
            return entry[: -len(suffix)]
    return None


def _site_name(entry: str) -> str | None:
    """What a top-level site entry provides: a module name, or a ``*.libs`` folder, whose
    shared libraries the loader finds first for the extension modules that point there."""
    return entry if entry.endswith(".libs") else _import_name(entry)


def _wheel_dist(names: list[str], filename: str) -> tuple[str, str]:
    """(canonical distribution name, its .dist-info folder) of a wheel."""
    project = os.path.basename(filename).split("-", 1)[0]
    infos = {n.split("/", 1)[0] for n in names if n.split("/", 1)[0].endswith(".dist-info")}
    info = next(
        (i for i in sorted(infos) if canonical(i.split("-", 1)[0]) == canonical(project)), ""
    )
    return canonical(project), info


def destinations(wheel: zipfile.ZipFile, layout: Layout) -> list[tuple[str, str]]:
    """(member, installed path) of every file pip would write, entry-point scripts included."""
    names = [n for n in wheel.namelist() if not n.endswith("/")]
    dist, info = _wheel_dist(names, wheel.filename or "")
    data = info[: -len(".dist-info")] + ".data/" if info else None
    roots = {
        "purelib": layout.site,
        "platlib": layout.site,
        "scripts": layout.scripts,
        "data": layout.prefix,
        "headers": posixpath.join(
            layout.prefix, "include", "site", f"python{layout.python_version}", dist
        ),
    }
    found = []
    for name in names:
        root, rel = layout.site, name
        if data and name.startswith(data):
            scheme, _, rel = name[len(data) :].partition("/")
            root = roots.get(scheme, layout.site)
        found.append((name, posixpath.normpath(posixpath.join(root, rel))))
    for command in _entry_points(wheel, info):
        dest = posixpath.normpath(posixpath.join(layout.scripts, command))
        found.append((f"{info}/entry_points.txt [{command}]", dest))
    return found


def _entry_points(wheel: zipfile.ZipFile, info: str) -> list[str]:
    try:
        with wheel.open(f"{info}/entry_points.txt") as handle:
            text = handle.read(_MAX_ENTRY_POINTS).decode("utf-8", errors="replace")
    except KeyError:
        return []
    parser = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",))
    try:
        parser.read_string(text)
    except configparser.Error:
        return ["(entry_points.txt that does not parse)"]
    return [
        name.strip()
        for section in ("console_scripts", "gui_scripts")
        if parser.has_section(section)
        for name in parser.options(section)
    ]


def lacks_from_stdlib(name: str) -> bool:
    """Whether the standard library would import ``name`` but this Python does not have it."""
    if name not in sys.stdlib_module_names and name not in STDLIB_OPTIONAL:
        return False
    if name in sys.builtin_module_names:
        return False
    return importlib.machinery.PathFinder.find_spec(name, STDLIB_FOLDERS) is None


def owned_files(layout: Layout, dist: str) -> tuple[set[str], set[str]]:
    """The files the environment's installed ``dist`` recorded (pip removes them before it
    upgrades ``dist``), and their top-level names in site-packages."""
    files: set[str] = set()
    for entry in _listing(layout.site):
        if entry.endswith(".dist-info") and canonical(entry.split("-", 1)[0]) == dist:
            try:
                with open(os.path.join(layout.site, entry, "RECORD"), encoding="utf-8") as f:
                    rows = list(csv.reader(f.read(_MAX_RECORD).splitlines()))
            except (OSError, UnicodeDecodeError, csv.Error):
                continue
            files.update(posixpath.normpath(posixpath.join(layout.site, r[0])) for r in rows if r)
    site = layout.site.rstrip("/") + "/"
    tops = {f[len(site) :].split("/", 1)[0] for f in files if f.startswith(site)}
    return files, tops


def _site_problem(rel: str, layout: Layout, dist: str, owned: set[str]) -> str | None:
    """Why a file at ``rel`` under site-packages would change what the image imports
    (``owned``: top-level names of the installed ``dist`` that this wheel upgrades)."""
    top, _, below = rel.partition("/")
    if top.endswith((".dist-info", ".egg-info")) and canonical(top.split("-", 1)[0]) != dist:
        return "is metadata of another distribution (its entry points would be read as theirs)"
    if top == "__pycache__":  # bytecode of a top-level module: judged as that module
        top, below = below.split(".", 1)[0] + ".py", ""
    name = _site_name(top)
    if name in EVERY_PROCESS:
        return f"installs {name}, which would run in every Python process"
    if name is not None and lacks_from_stdlib(name):
        return (
            f"installs {name}, a module the standard library imports where it exists: "
            "it would run inside every program"
        )
    existing = layout.modules.get(name) if name is not None else None
    if existing is None or (existing.folder == layout.site and existing.entry in owned):
        return None
    if existing.namespace and existing.entry == top and below:
        portions = [os.path.join(f, top) for f in layout.site_dirs]
        parts = below.split("/")
        if all(_new_in_namespace(p, parts) for p in portions if os.path.isdir(p)):
            return None  # a new module inside a namespace package (mpl_toolkits/...)
    return f"would shadow or extend the sandbox's {existing.entry} in {existing.folder}"


def _new_in_namespace(folder: str, parts: list[str]) -> bool:
    """Whether the file at ``parts`` below the namespace package ``folder`` only adds: a new
    module, or one inside a nested namespace package, never one by a name it has (a module
    file is imported before a namespace folder of the same name)."""
    head = parts[0]
    if head == "__pycache__" and len(parts) > 1:  # bytecode of a module at this level
        head, parts = parts[1].split(".", 1)[0] + ".py", [parts[1]]
    name = _import_name(head)
    if name is None:
        return True  # a data file: one that exists is refused as a replacement
    same = [entry for entry in _listing(folder) if _import_name(entry) == name]
    if name == "__init__" or (same and same != [head]):
        return False
    inner = os.path.join(folder, head)
    if same and (len(parts) == 1 or os.path.exists(os.path.join(inner, "__init__.py"))):
        return False
    return not same or _new_in_namespace(inner, parts[1:])


def problem(dest: str, layout: Layout, dist: str, owned: set[str] | None = None) -> str | None:
    """Why pip must not write ``dest`` (an absolute path) for the distribution ``dist``, or
    None when it is new and harmless (``owned``: top-level site names of an upgraded
    ``dist``)."""
    where = _resolved(dest)
    if os.path.lexists(dest) or os.path.lexists(where):
        return f"would replace {dest}, which is part of the sandbox"
    if not where.startswith(layout.prefix.rstrip("/") + "/"):
        return f"writes outside the environment ({where})"
    for folder in layout.site_dirs:
        if where.startswith(folder.rstrip("/") + "/"):
            return _site_problem(where[len(folder.rstrip("/")) + 1 :], layout, dist, owned or set())
    if os.path.dirname(where) == layout.scripts.rstrip("/"):
        command = os.path.basename(where)
        existing = shutil.which(command, path=layout.path)
        if existing is not None:
            return f"would shadow the command {command} ({existing})"
    return None


def check_wheel(path: str, layout: Layout) -> list[str]:
    """Every reason this wheel may not be installed (empty: it only adds what is new)."""
    try:
        with zipfile.ZipFile(path) as wheel:
            dist, _ = _wheel_dist(wheel.namelist(), path)
            owned, owned_tops = owned_files(layout, dist)  # an upgrade: pip removes them
            found = []
            for member, dest in destinations(wheel, layout):
                if dest in owned:
                    continue
                why = problem(dest, layout, dist, owned_tops)
                if why is not None:
                    found.append(f"{os.path.basename(path)}: {member} {why}")
            return found
    # An encrypted member (RuntimeError), an unknown compression (NotImplementedError), a
    # truncated or corrupt stream (EOFError, zlib.error, ValueError): refused, not a crash.
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError,
            zlib.error, ValueError) as exc:  # fmt: skip
        return [f"{os.path.basename(path)}: not a readable wheel ({exc})"]


def unpacked_bytes(path: str) -> int:
    """What a wheel's files take once installed, as its zip directory declares them.

    Python's zipfile never extracts more than a member's declared size, so the sum bounds
    what pip writes (a small "zip bomb" wheel declares its true size or fails its CRC).
    An unreadable wheel counts 0 here: :func:`check_wheel` refuses it.
    """
    try:
        with zipfile.ZipFile(path) as wheel:
            return sum(info.file_size for info in wheel.infolist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return 0


def too_large(wheels: list[str], limit: int) -> str | None:
    """Why these wheels may not be installed together because of their size, if they may not."""
    sizes = sorted(((unpacked_bytes(w), os.path.basename(w)) for w in wheels), reverse=True)
    total = sum(size for size, _ in sizes)
    if total <= limit:
        return None
    largest = ", ".join(f"{name} {size / 2**20:.0f} MiB" for size, name in sizes[:3])
    return (
        f"the dependencies unpack to {total / 2**20:.0f} MiB, more than the "
        f"{limit / 2**20:.0f} MiB an evaluation may install (largest: {largest})"
    )


def main(argv: list[str]) -> int:
    limit = None
    if argv and argv[0].startswith(MAX_UNPACKED):
        limit, argv = int(argv[0].removeprefix(MAX_UNPACKED)), argv[1:]
    folder, separator, pip_args = argv[0], argv[1], argv[2:]
    if separator != "--":
        sys.stderr.write(f"usage: wheel_guard.py [{MAX_UNPACKED}BYTES] WHEELS -- PIP_ARGS...\n")
        return 2
    layout = environment_layout()
    refusals = []
    wheels = [os.path.join(folder, n) for n in sorted(os.listdir(folder)) if n.endswith(".whl")]
    for wheel in wheels:
        refusals += check_wheel(wheel, layout)
    size = too_large(wheels, limit) if limit is not None else None
    if size is not None:
        sys.stdout.write(f"too large: {size}\n")
    if refusals or size is not None:
        shown = refusals[:MAX_SHOWN]
        if len(refusals) > MAX_SHOWN:
            shown.append(f"... and {len(refusals) - MAX_SHOWN} more")
        sys.stdout.write("".join(f"refused: {line}\n" for line in shown))
        sys.stdout.flush()
        return REFUSED
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, *pip_args])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
