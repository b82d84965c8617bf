"""conda ``environment.yml``: its ``pip:`` list, and conda packages that are PyPI packages.

Conda package names are mapped to PyPI names where they are the same Python
package (most are; a few are renamed, e.g. ``pytorch`` is ``torch``); conda
packages that are not Python packages (the interpreter, compilers, CUDA, BLAS)
are reported and not installed. ``python=3.x`` says which Python the learner
uses. Channels are ignored.
"""

from __future__ import annotations

import re

from evaluator.documents import DocumentError, parse_yaml
from evaluator.intake.dependencies.collect import Collector, line_of
from evaluator.intake.dependencies.model import Origin
from evaluator.intake.dependencies.requirements_txt import read_line

ENVIRONMENT_FILES = ("environment.yml", "environment.yaml")

#: conda names whose PyPI package has another name.
CONDA_TO_PYPI = {
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "py-xgboost": "xgboost",
    "py-xgboost-cpu": "xgboost",
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "py-opencv": "opencv-python-headless",
    "opencv": "opencv-python-headless",
    "tensorflow-base": "tensorflow",
    "msgpack-python": "msgpack",
    "jupyter_core": "jupyter-core",
    "font-ttf-dejavu-sans-mono": "",
}
#: conda packages with no PyPI counterpart (interpreters, toolchains, native libraries).
NOT_PYTHON = re.compile(
    r"^(python|pip|setuptools|wheel|conda|mamba|nodejs|r|r-.*|cuda.*|cudnn|cudatoolkit|nccl|"
    r"mkl|mkl-.*|blas|libblas|openblas|libopenblas|nomkl|intel-openmp|compilers|"
    r"c-compiler|cxx-compiler|gcc.*|gxx.*|git|make|cmake|graphviz|ffmpeg|libgcc.*|"
    r"lib.*|_libgcc_mutex|_openmp_mutex|ca-certificates|openssl|tk|xz|zlib|sqlite|"
    r"readline|ncurses|bzip2|font-.*|fonts-.*)$"
)
_NAME_AND_VERSION = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)\s*(?P<version>.*)$")


def conda_spec(spec: str) -> tuple[str, str]:
    """(conda name, PEP 440 specifier) of a conda match spec such as ``numpy=1.26=py311_0`` (pure).

    ``=1.26`` is conda's prefix match (``==1.26.*``), ``==1.26.4`` exact, a trailing
    build string is dropped, ``channel::`` prefixes are ignored.
    """
    text = spec.strip().split("::")[-1]
    match = _NAME_AND_VERSION.match(text)
    if match is None:
        raise ValueError("not a conda package spec")
    name, version = match.group("name").lower(), match.group("version").strip()
    if " " in version:  # "numpy 1.26.4 py311_0": version, then build
        version = version.split()[0]
    if version.startswith("=="):
        return name, "==" + version[2:].split("=")[0]
    if version.startswith("="):
        number = version[1:].split("=")[0]
        if not number:
            return name, ""
        return name, f"=={number}" if number.endswith("*") else f"=={number}.*"
    if version[:1].isdigit():
        return name, f"=={version}"
    return name, version


def conda_requirement(spec: str) -> tuple[str, str] | None:
    """(PyPI name, specifier) of a conda spec, or None when it is no PyPI package (pure)."""
    name, version = conda_spec(spec)
    pypi = CONDA_TO_PYPI.get(name, name)
    if not pypi or NOT_PYTHON.match(name):
        return None
    return pypi, version


def read_environment(sink: Collector) -> None:
    """The first conda environment file found."""
    for relative in ENVIRONMENT_FILES:
        text = sink.read_text(relative)
        if text is not None:
            _read(sink, relative, text)
            return


def _read(sink: Collector, relative: str, text: str) -> None:
    try:
        doc = parse_yaml(text)
    except DocumentError as exc:
        sink.notes.append(f"{relative} is not valid YAML ({str(exc).splitlines()[0]}); not read")
        return
    deps = doc.get("dependencies") if isinstance(doc, dict) else None
    if not isinstance(deps, list):
        return
    sink.files.append(relative)
    for item in deps:
        if isinstance(item, dict) and "pip" in item:
            _read_pip(sink, relative, text, item["pip"])
        elif isinstance(item, str):
            _read_conda(sink, relative, text, item)
        else:
            sink.refuse(Origin(path=relative), repr(item), "not a package spec")


def _read_conda(sink: Collector, relative: str, text: str, item: str) -> None:
    first = (item.splitlines() or [""])[0]
    origin = Origin(path=relative, line=line_of(text, first) if first else None)
    try:
        name, version = conda_spec(item)
        mapped = conda_requirement(item)
    except ValueError as exc:
        sink.refuse(origin, item, str(exc))
        return
    if name == "python":
        if version:
            sink.ask_python(version, origin, required=False)
        return
    if mapped is None:
        if name not in ("pip", "setuptools", "wheel"):
            sink.notes.append(f"{origin}: conda package {name!r} has no PyPI equivalent; skipped")
        return
    pypi, spec = mapped
    if pypi != name:
        sink.notes.append(f"{origin}: conda package {name!r} installed as PyPI {pypi!r}")
    sink.add(pypi + spec, origin)


def _read_pip(sink: Collector, relative: str, text: str, items: object) -> None:
    """The ``pip:`` list: each item is a requirements-file line (includes are relative to it)."""
    if not isinstance(items, list):
        sink.refuse(Origin(path=relative), repr(items), "pip: is not a list")
        return
    for item in items:
        if not isinstance(item, str):
            sink.refuse(Origin(path=relative), repr(item), "not a requirement string")
            continue
        first = (item.splitlines() or [""])[0]
        origin = Origin(path=relative, line=line_of(text, first) if first.strip() else None)
        if "\n" in item or "\r" in item:
            sink.refuse(origin, item, "contains a line break or control character")
        else:
            read_line(sink, item.strip(), origin)
