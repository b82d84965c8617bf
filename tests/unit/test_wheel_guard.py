"""The install guard (sandbox/runtime/wheel_guard.py) on a virtualenv laid out in a temp folder."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import sysconfig
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from evaluator.paths import bundled
from tests.adversarial.wheel_index import build_wheel


@pytest.fixture(scope="module")
def guard() -> ModuleType:
    path = bundled("sandbox") / "runtime" / "wheel_guard.py"
    spec = importlib.util.spec_from_file_location("wheel_guard", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = list(sys.path)
    sys.modules["wheel_guard"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)  # it puts its own folder on sys.path for sitedirs
    finally:
        sys.path[:] = saved
    return module


@pytest.fixture
def layout(tmp_path: Path, guard: ModuleType) -> object:
    """A virtualenv with pytest, a namespace package, a module, pip; /usr/bin has sh."""
    prefix = tmp_path / "venv"
    site = prefix / "lib" / "python3.11" / "site-packages"
    for name in ("bin/python", "pytest/__init__.py", "typing_extensions.py", "numpy.libs/lib.so"):
        target = prefix / name if name.startswith("bin/") else site / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("")
    for folder in ("mpl_toolkits/mplot3d", "pip-24.0.dist-info", "pytest-8.0.dist-info"):
        (site / folder).mkdir(parents=True)
    (site / "pip" / "__init__.py").parent.mkdir()
    (site / "pip" / "__init__.py").write_text("")
    (prefix / "bin" / "pip").write_text("")
    record = "pip/__init__.py,,\n../../../bin/pip,,\npip-24.0.dist-info/RECORD,,\n"
    (site / "pip-24.0.dist-info" / "RECORD").write_text(record)
    system_bin = tmp_path / "usr-bin"
    system_bin.mkdir()
    (system_bin / "sh").write_text("")
    (system_bin / "sh").chmod(0o755)
    (prefix / "bin" / "python").chmod(0o755)
    return guard.Layout(
        prefix=str(prefix),
        site_dirs=[str(site)],
        scripts=str(prefix / "bin"),
        path=f"{prefix / 'bin'}:{system_bin}",
        python_version="3.11",
    )


def refusals(
    guard: ModuleType, layout: object, tmp_path: Path, files: dict[str, str], **kw: object
) -> list[str]:
    wheel = build_wheel(tmp_path / "wheels", "learnerpkg", "1.0", files, **kw)  # type: ignore[arg-type]
    return guard.check_wheel(str(wheel), layout)  # type: ignore[no-any-return]


def test_a_package_that_only_adds_installs(guard, layout, tmp_path):
    files = {
        "learnerpkg/__init__.py": "",
        "learnerpkg.pth": "import learnerpkg\n",  # harnesses run -S: .pth files are inert there
        "mpl_toolkits/learner/__init__.py": "",  # a new module of a namespace package
        "mpl_toolkits/mplot3d/learner.py": "",  # ... and of a nested one
        "learnerpkg-1.0.data/data/share/learnerpkg/x.json": "{}",
    }
    assert refusals(guard, layout, tmp_path, files, console_scripts={"learner-cli": "x:y"}) == []


@pytest.mark.parametrize(
    ("files", "scripts", "why"),
    [
        ({"learnerpkg-1.0.data/scripts/python": "#!/bin/sh\n"}, None, "would replace"),
        ({"learnerpkg-1.0.data/data/bin/python": "#!/bin/sh\n"}, None, "would replace"),
        ({"pytest/__init__.py": ""}, None, "would replace"),
        ({"pytest/extra.py": ""}, None, "shadow or extend the sandbox's pytest"),
        (
            {"typing_extensions/__init__.py": ""},
            None,
            "shadow or extend the sandbox's typing_extensions.py",
        ),
        ({"__pycache__/typing_extensions.cpython-311.pyc": ""}, None, "typing_extensions.py"),
        # numpy's extension modules look for their shared libraries there first.
        ({"numpy.libs/libstdc++.so.6": ""}, None, "shadow or extend the sandbox's numpy.libs"),
        ({"sitecustomize.py": ""}, None, "every Python process"),
        ({"usercustomize/__init__.py": ""}, None, "every Python process"),
        ({"mpl_toolkits/__init__.py": ""}, None, "shadow or extend the sandbox's mpl_toolkits"),
        # A module file is imported before the namespace folder of the same name.
        ({"mpl_toolkits/mplot3d.py": ""}, None, "shadow or extend the sandbox's mpl_toolkits"),
        (
            {"mpl_toolkits/mplot3d/__init__.py": ""},
            None,
            "shadow or extend the sandbox's mpl_toolkits",
        ),
        ({"pytest-8.0.dist-info/entry_points.txt": ""}, None, "metadata of another distribution"),
        ({"pytest-9.9.dist-info/entry_points.txt": ""}, None, "metadata of another distribution"),
        ({"learnerpkg/__init__.py": ""}, {"sh": "learnerpkg:main"}, "would shadow the command sh"),
        ({"learnerpkg/__init__.py": ""}, {"python": "learnerpkg:main"}, "would replace"),
        ({"learnerpkg-1.0.data/data/../../outside": ""}, None, "outside the environment"),
        ({"learnerpkg-1.0.data/data/lib/python3.11/site-packages/pytest/x.py": ""}, None, "pytest"),
    ],
)
def test_a_package_that_changes_the_sandbox_is_refused(
    guard, layout, tmp_path, files, scripts, why
):
    found = refusals(guard, layout, tmp_path, files, console_scripts=scripts)
    assert len(found) == 1 and why in found[0], found


@pytest.mark.parametrize(
    "files",
    [
        {"msvcrt.py": ""},  # subprocess imports it where it exists
        {"nt/__init__.py": ""},
        {"_winapi.cpython-311-x86_64-linux-gnu.so": ""},
        {"org/python/core.py": ""},  # copy and pickle look for Jython's PyStringMap
        {"__pycache__/msvcrt.cpython-311.pyc": ""},
    ],
)
def test_a_module_the_standard_library_would_import_is_refused(guard, layout, tmp_path, files):
    found = refusals(guard, layout, tmp_path, files)
    assert len(found) == 1 and "the standard library imports" in found[0], found


def test_a_backport_named_like_a_module_this_python_has_installs(guard, layout, tmp_path):
    # The standard library comes first on every import path: the backport is never imported.
    assert refusals(guard, layout, tmp_path, {"asyncio/__init__.py": "", "json.py": ""}) == []


def _top_level_imports(source: bytes) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_standard_librarys_optional_imports_are_all_known(guard):
    """Every module the running Python's standard library imports, that it does not name in
    sys.stdlib_module_names, is one the guard knows (or one no evaluator program imports)."""
    never_imported_by_evaluator = {"__main__", "test", "pip", "docutils", "_distutils_hack"}
    known = {*sys.stdlib_module_names, *guard.STDLIB_OPTIONAL, *guard.EVERY_PROCESS}
    # A cheap first pass over the text; only files that may import something else are parsed.
    candidate = re.compile(rb"^\s*(?:import|from)\s+([A-Za-z_]\w*)", re.M)
    stdlib = Path(sysconfig.get_path("stdlib"))
    skipped = {"site-packages", "dist-packages", "test", "tests", "idlelib", "lib2to3"}
    unknown: set[str] = set()
    for path in stdlib.rglob("*.py"):
        if skipped.intersection(path.relative_to(stdlib).parts):
            continue
        source = path.read_bytes()
        names = {m.decode() for m in candidate.findall(source)}
        if names - known - never_imported_by_evaluator:
            unknown |= _top_level_imports(source) - known
    assert unknown <= never_imported_by_evaluator, unknown


def test_an_upgrade_may_rewrite_what_the_installed_distribution_recorded(guard, layout, tmp_path):
    files = {"pip/__init__.py": "", "pip/_new.py": ""}
    wheel = build_wheel(tmp_path / "wheels", "pip", "25.0", files, console_scripts={"pip": "p:m"})
    assert guard.check_wheel(str(wheel), layout) == []


def test_an_upgrade_may_not_touch_anything_else(guard, layout, tmp_path):
    files = {"pip/__init__.py": "", "pytest/x.py": "", "pip-25.0.data/scripts/python": ""}
    wheel = build_wheel(tmp_path / "wheels", "pip", "25.0", files)
    found = guard.check_wheel(str(wheel), layout)
    assert len(found) == 2, found
    assert "pytest" in found[0] and "would replace" in found[1], found


def test_a_wheel_whose_entry_points_cannot_be_read_is_refused(guard, layout, tmp_path):
    path = tmp_path / "locked-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("locked-1.0.dist-info/entry_points.txt", "[console_scripts]\nsh = x:y\n")
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    data[central + 10 : central + 12] = (99).to_bytes(2, "little")  # a compression zipfile lacks
    path.write_bytes(bytes(data))
    assert "not a readable wheel" in guard.check_wheel(str(path), layout)[0]


def test_a_file_that_is_not_a_wheel_is_refused(guard, layout, tmp_path):
    broken = tmp_path / "broken-1.0-py3-none-any.whl"
    broken.write_bytes(b"not a zip")
    assert "not a readable wheel" in guard.check_wheel(str(broken), layout)[0]


def test_wheels_that_unpack_past_the_limit_are_refused_by_their_declared_size(
    guard: ModuleType, tmp_path: Path
) -> None:
    # A "zip bomb" wheel: 64 MiB of zeros deflate to about 64 KiB.
    bomb = tmp_path / "padding-1.0-py3-none-any.whl"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as wheel:
        wheel.writestr("padding/data.bin", b"\0" * (64 * 2**20))
    small = build_wheel(tmp_path, "tidy", "1.0", {"tidy/__init__.py": "X = 1\n"})
    assert bomb.stat().st_size < 2**20
    assert guard.unpacked_bytes(str(bomb)) == 64 * 2**20
    why = guard.too_large([str(small), str(bomb)], 16 * 2**20)
    assert why is not None
    assert why.startswith("the dependencies unpack to 64 MiB, more than the 16 MiB")
    assert "padding-1.0-py3-none-any.whl 64 MiB" in why
    assert guard.too_large([str(small), str(bomb)], 65 * 2**20) is None  # within the limit
    broken = tmp_path / "broken-1.0-py3-none-any.whl"
    broken.write_bytes(b"not a zip")
    assert guard.unpacked_bytes(str(broken)) == 0  # refused by check_wheel instead
