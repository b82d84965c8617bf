"""Every common project layout installs its dependencies and runs its tests in the real sandbox.

Each repository is generated here and asks for small pure-Python wheels from
PyPI (downloaded once per session into a shared wheel cache); its tests import
them and check the versions the declarations (or their locks) chose.
"""

from __future__ import annotations

import json

import pytest

from evaluator.model.report import Status
from tests.install_support import evaluate_files, install_check

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def module_text(imports: str, checks: str = "") -> str:
    """A test module importing ``imports`` and asserting ``checks`` (else that they imported:
    a test that asserts nothing does not count)."""
    names = " and ".join(name.strip() for name in imports.split(","))
    body = "\n    ".join(line for line in checks.splitlines() if line) or f"assert {names}"
    return f"import {imports}\n\n\ndef test_installed():\n    {body}\n"


LAYOUTS = {
    "poetry-groups": {
        "pyproject.toml": "[tool.poetry]\nname = 'app'\nversion = '0.1.0'\n"
        "[tool.poetry.dependencies]\npython = '^3.10'\ntabulate = '^0.9'\n"
        "[tool.poetry.group.test.dependencies]\ncachetools = '~5.3'\n"
        "[tool.poetry.group.docs.dependencies]\nsphinx-not-wanted-4711 = '*'\n",
        "tests/test_app.py": module_text(
            "cachetools, sys, tabulate",
            "assert cachetools.__version__.startswith('5.3')\nassert sys.version_info[:2] == (3, 13)",
        ),
    },
    "uv-lock": {
        "pyproject.toml": "[project]\nname = 'app'\nversion = '0.1'\ndependencies = ['sortedcontainers>=2']\n"
        "[dependency-groups]\ndev = ['tomli']\n",
        "uv.lock": 'version = 1\n[[package]]\nname = "sortedcontainers"\nversion = "2.3.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        '[[package]]\nname = "app"\nversion = "0.1"\nsource = { editable = "." }\n',
        "tests/test_app.py": module_text(
            "sortedcontainers, tomli", "assert sortedcontainers.__version__ == '2.3.0'"
        ),
    },
    "pdm-lock": {
        "pyproject.toml": "[project]\nname = 'app'\nversion = '0.1'\ndependencies = ['toolz']\n"
        "[tool.pdm.dev-dependencies]\ntest = ['colorama']\n",
        "pdm.lock": '[[package]]\nname = "toolz"\nversion = "0.12.1"\n',
        "tests/test_app.py": module_text("colorama, toolz", "assert toolz.__version__ == '0.12.1'"),
    },
    "pipfile": {
        "Pipfile": "[[source]]\nurl = 'https://pypi.org/simple'\nname = 'pypi'\n"
        "[packages]\ncachetools = '==5.3.3'\n[dev-packages]\nwcwidth = '*'\n",
        "tests/test_app.py": module_text(
            "cachetools, wcwidth", "assert cachetools.__version__ == '5.3.3'"
        ),
    },
    "setup-cfg": {
        "setup.cfg": "[metadata]\nname = app\n[options]\ninstall_requires =\n    idna>=3\n"
        "[options.extras_require]\ntest =\n    attrs\n",
        "tests/test_app.py": module_text("attrs, idna"),
    },
    "setup-py": {
        "setup.py": "from setuptools import setup\n\nREQUIRES = ['more-itertools>=10']\n"
        "setup(name='app', install_requires=REQUIRES, extras_require={'test': ['tomli']})\n",
        "tests/test_app.py": module_text("more_itertools, tomli"),
    },
    "environment-yml": {
        "environment.yml": "name: app\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n"
        "  - numpy\n  - tabulate=0.9\n  - pip\n  - pip:\n    - sortedcontainers\n",
        "tests/test_app.py": module_text("numpy, sortedcontainers, tabulate"),
    },
    # The image's own setuptools is replaced: the install guard lets an installer tool
    # rewrite the files its installed copy recorded (and nothing else).
    "installer-upgrade": {
        "requirements.txt": "setuptools==80.9.0\nwheel==0.45.1\n",
        "tests/test_app.py": module_text(
            "setuptools, wheel", "assert setuptools.__version__ == '80.9.0'"
        ),
    },
    "nested-requirements": {
        "requirements.txt": "-r requirements/base.txt\n",
        "requirements/base.txt": "-r common.txt\ncolorama\n",
        "requirements/common.txt": "toolz==0.12.0\n",
        "tests/test_app.py": module_text("colorama, toolz", "assert toolz.__version__ == '0.12.0'"),
    },
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_installs_and_its_tests_pass(layout, tmp_path, engine, install_config, deps_layers):
    report = evaluate_files(tmp_path / layout, LAYOUTS[layout], install_config, deps_layers)
    install = install_check(report)
    assert install.status is Status.PASS, (install.summary, install.log)
    assert install.metrics["installed"] >= 1
    assert install.details["installed"], install.details
    tests = report.check("tests")
    assert tests is not None and tests.status is Status.PASS, tests.summary if tests else None
    assert tests.metrics["passed"] == 1
    assert report.sandbox is not None and report.sandbox.deps_image is not None


def test_install_check_lists_packages_declarations_and_cache_hits(
    tmp_path, engine, install_config, deps_layers
):
    files = LAYOUTS["poetry-groups"]
    first = install_check(evaluate_files(tmp_path / "first", files, install_config, deps_layers))
    second = install_check(evaluate_files(tmp_path / "second", files, install_config, deps_layers))
    installed = {item["name"]: item for item in first.details["installed"]}
    assert installed["tabulate"]["declared_in"] == "pyproject.toml:6"
    assert installed["cachetools"]["version"].startswith("5.3")
    assert installed["cachetools"]["declared_in"] == "pyproject.toml:8"
    # Poetry's python = '^3.10' allows both interpreters: the newest runs it.
    assert first.details["python"]["version"].startswith("3.13")
    assert first.details["python"]["why"] == "the newest Python that pyproject.toml:5 allows"
    assert "pyproject.toml" in first.details["files"]
    assert first.metrics["cached"] is False and second.metrics["cached"] is True
    assert second.metrics["resolution_cached"] is True
    assert second.metrics["downloaded_bytes"] == 0
    assert isinstance(first.metrics["duration_s"], float)
    assert "(cached layer)" in second.summary


def test_requires_python_312_runs_on_313(tmp_path, engine, install_config, needs_313, deps_layers):
    files = {
        "pyproject.toml": "[project]\nname = 'organizer'\nversion = '1'\nrequires-python = '>=3.12'\n"
        "dependencies = ['attrs']\n",
        "tests/test_app.py": module_text(
            "sys, attrs, numpy, torch",
            "assert sys.version_info[:2] == (3, 13)\nassert torch.tensor([1]).sum() == 1",
        ),
    }
    report = evaluate_files(tmp_path / "py313", files, install_config, deps_layers)
    install = install_check(report)
    assert install.status is Status.PASS, (install.summary, install.log)
    assert install.metrics["python"].startswith("3.13")
    assert report.sandbox.python.startswith("3.13")
    assert report.sandbox.image == needs_313
    tests = report.check("tests")
    assert tests.status is Status.PASS, (tests.summary, tests.log)


def test_no_interpreter_fits(tmp_path, engine, install_config, deps_layers):
    files = {"pyproject.toml": "[project]\nname = 'x'\nversion = '1'\nrequires-python = '>=3.99'\n"}
    install = install_check(evaluate_files(tmp_path / "future", files, install_config, deps_layers))
    assert install.status is Status.FAIL
    assert "requires Python >=3.99 (pyproject.toml:4): the sandbox offers 3.11" in install.summary


def test_package_without_a_wheel_is_named(tmp_path, engine, install_config, deps_layers):
    files = {"requirements.txt": "docopt==0.6.2\n", "tests/test_app.py": module_text("docopt")}
    report = evaluate_files(tmp_path / "sdist-only", files, install_config, deps_layers)
    install = install_check(report)
    assert install.status is Status.FAIL
    assert install.summary.startswith("no wheel of docopt==0.6.2 for Python 3.11 on linux x86_64;")
    assert "pin a version that has one" in install.summary
    assert report.check("tests").status is Status.SKIPPED


def test_lock_that_contradicts_the_ranges_falls_back(tmp_path, engine, install_config, deps_layers):
    files = {
        "pyproject.toml": "[project]\nname = 'app'\nversion = '0.1'\ndependencies = ['toolz>=0.12.1']\n",
        "pdm.lock": '[[package]]\nname = "toolz"\nversion = "0.11.2"\n',
        "tests/test_app.py": module_text("toolz"),
    }
    install = install_check(
        evaluate_files(tmp_path / "stale-lock", files, install_config, deps_layers)
    )
    assert install.status is Status.PASS, (install.summary, install.log)
    assert any("resolved from the declared ranges" in note for note in install.details["notes"])


def test_report_schema_has_the_python_field():
    from evaluator.model.report import SandboxInfo

    schema = SandboxInfo.model_json_schema()
    assert "python" in schema["properties"]
    assert json.dumps(schema)
