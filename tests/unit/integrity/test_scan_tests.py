"""The static scan's detectors for test suites: hooks, patches, marks, assertion-free tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.intake.manifest import parse_manifest
from evaluator.integrity.scan import StaticScan, base_node_id, scan_workspace
from tests.conftest import write_tree


def scan(tmp_path: Path, files: dict[str, str], manifest: str | None = None) -> StaticScan:
    if manifest is not None:
        files = {**files, "capstone.yaml": manifest}
    write_tree(tmp_path, files)
    parsed = parse_manifest(manifest).manifest if manifest is not None else None
    return scan_workspace(tmp_path, manifest=parsed)


def kinds(result: StaticScan) -> list[tuple[str, str, int | None]]:
    return [(f.code.removeprefix("integrity/"), f.path, f.line) for f in result.findings]


# -- hooks and plugins ------------------------------------------------------------------

REWRITING_CONFTEST = """\
import pytest


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: slow tests")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().outcome = "passed"


def pytest_collection_modifyitems(config, items):
    items[:] = [i for i in items if "broken" not in i.name]


def pytest_unconfigure(config):
    open("/results/junit.xml", "w").write("<testsuite tests='25'/>")
"""


def test_outcome_and_selection_hooks_are_flagged_harmless_ones_are_not(tmp_path):
    result = scan(tmp_path, {"tests/conftest.py": REWRITING_CONFTEST})
    hooks = [(f.line, f.message) for f in result.findings if f.code == "integrity/conftest-hook"]
    assert [line for line, _ in hooks] == [13, 18, 22]
    assert "rewrite test outcomes" in hooks[0][1]
    assert "deselect" in hooks[1][1]
    assert "pytest_unconfigure" in hooks[2][1]


def test_a_configure_hook_that_does_more_than_markers_is_flagged(tmp_path):
    conftest = "def pytest_configure(config):\n    config.option.keyword = 'not broken'\n"
    result = scan(tmp_path, {"conftest.py": conftest})
    assert kinds(result) == [("conftest-hook", "conftest.py", 1)]


def test_hooks_in_declared_plugins_and_hookimpl_modules_are_flagged(tmp_path):
    files = {
        "tests/conftest.py": 'pytest_plugins = ["tests.helpers"]\n',
        "tests/helpers.py": "def pytest_report_teststatus(report, config):\n    return None\n",
        "quiet.py": (
            "import pytest\n\n\n@pytest.hookimpl(specname='pytest_runtest_logreport')\n"
            "def tidy(report):\n    report.outcome = 'passed'\n"
        ),
        "pkg/hooks_by_name_only.py": "def pytest_runtest_call(item):\n    pass\n",
    }
    result = scan(tmp_path, files)
    assert kinds(result) == [
        ("conftest-hook", "quiet.py", 5),
        ("conftest-hook", "tests/conftest.py", 1),
        ("conftest-hook", "tests/helpers.py", 1),
    ]
    assert "pytest_runtest_logreport" in result.findings[0].message


def test_run_time_plugin_registration_and_entry_points_are_flagged(tmp_path):
    files = {
        "conftest.py": "class P:\n    pass\n\n\ndef pytest_sessionstart(session):\n"
        "    session.config.pluginmanager.register(P())\n",
        "pyproject.toml": '[project]\nname = "x"\n\n[project.entry-points.pytest11]\nx = "x.plug"\n',
    }
    found = kinds(scan(tmp_path, files))
    assert ("conftest-hook", "conftest.py", 6) in found
    assert ("conftest-hook", "pyproject.toml", 4) in found


@pytest.mark.parametrize(
    "code",
    [
        "import _pytest.runner\n_pytest.runner.call_and_report = lambda *a, **k: None\n",
        "from _pytest.reports import TestReport\nTestReport.failed = False\n",
        "import pytest\npytest.fail = print\n",
        "import sys\nsys.modules['_pytest.junitxml'] = None\n",
        "def test_x(monkeypatch):\n    monkeypatch.setattr('_pytest.runner.call_and_report', None)\n",
        "import _pytest.runner as r\nsetattr(r, 'call_and_report', None)\n",
        "import unittest.mock\nunittest.mock.patch('pytest.skip').start()\n",
    ],
)
def test_patching_pytest_is_flagged(tmp_path, code):
    found = kinds(scan(tmp_path, {"tests/conftest.py": code}))
    assert [k for k, _p, _l in found] == ["pytest-patch"]


def test_type_imports_and_patching_own_code_are_not_flagged(tmp_path):
    code = (
        "from _pytest.fixtures import FixtureRequest\nimport app\n\n\n"
        "def test_x(monkeypatch, request: FixtureRequest):\n"
        "    monkeypatch.setattr(app, 'now', lambda: 1)\n    assert app.now() == 1\n"
    )
    assert kinds(scan(tmp_path, {"tests/test_app.py": code, "app.py": "def now(): ..."})) == []


# -- xfail and skip ---------------------------------------------------------------------

MARKS = """\
import unittest

import pytest
from pytest import mark

xfail = pytest.mark.xfail


@pytest.mark.xfail
def test_a():
    assert 1 == 2


@pytest.mark.xfail(reason="upstream bug #12")
def test_b():
    assert 1 == 2


@mark.skip
def test_c():
    assert 1 == 2


@pytest.mark.skip("not on CI")
def test_d():
    assert 1 == 2


@xfail(strict=False)
def test_e():
    assert 1 == 2


@pytest.mark.skipif(True, reason="")
def test_f():
    assert 1 == 2


@pytest.mark.parametrize("n", [1, pytest.param(2, marks=pytest.mark.xfail)])
def test_g(n):
    assert n == 1


def test_h():
    pytest.skip()
    assert 1 == 2


def test_i():
    pytest.xfail("known")
    assert 1 == 2


def test_j(request):
    request.node.add_marker(pytest.mark.xfail)
    assert 1 == 2


class TestK(unittest.TestCase):
    @unittest.expectedFailure
    def test_k(self):
        self.assertEqual(1, 2)

    def test_l(self):
        self.skipTest("")


class TestM:
    pytestmark = [pytest.mark.skip]

    def test_m(self):
        assert 1 == 2
"""


def test_xfail_and_skip_without_reason_are_flagged(tmp_path):
    result = scan(tmp_path, {"tests/test_m.py": MARKS})
    found = [(k, line) for k, _p, line in kinds(result) if k != "assertion-free"]
    assert found == [
        ("xfail-no-reason", 9),
        ("skip-no-reason", 19),
        ("xfail-no-reason", 29),
        ("skip-no-reason", 34),
        ("xfail-no-reason", 39),
        ("skip-no-reason", 45),
        ("xfail-no-reason", 55),
        ("xfail-no-reason", 60),
        ("skip-no-reason", 65),
        ("skip-no-reason", 69),
    ]


def test_module_pytestmark_without_reason_is_flagged(tmp_path):
    code = "import pytest\n\npytestmark = pytest.mark.xfail\n\n\ndef test_a():\n    assert 0\n"
    result = scan(tmp_path, {"tests/test_a.py": code})
    assert kinds(result) == [("xfail-no-reason", "tests/test_a.py", 3)]
    assert "every test here" in result.findings[0].message


def test_marks_outside_test_code_are_ignored(tmp_path):
    code = "import pytest\n\n\n@pytest.mark.xfail\ndef helper():\n    return 1\n"
    assert kinds(scan(tmp_path, {"pkg/mod.py": code})) == []


# -- assertion-free tests ---------------------------------------------------------------

SUITE = """\
import contextlib
import unittest

import pytest

from app import add
from tests.helpers import check_sum


def helper(x):
    assert x == 3


def indirect(x):
    helper(x)


def lazy(x):
    return x


def test_direct():
    assert add(1, 2) == 3


def test_raises():
    with pytest.raises(TypeError):
        add(1, None)


def test_helper():
    helper(add(1, 2))


def test_helper_of_helper():
    indirect(add(1, 2))


def test_helper_from_module():
    check_sum(add(1, 2))


def test_conftest_helper():
    must_be_three(add(1, 2))


def test_mock(mocker):
    m = mocker.Mock()
    m(1)
    m.assert_called_once_with(1)


def test_smoke():
    add(1, 2)


def test_lazy_helper():
    lazy(add(1, 2))


def test_trivial():
    assert True
    assert (add(1, 2) == 4, "tuple is always true")


def test_after_return():
    return
    assert add(1, 2) == 3


def test_swallowed():
    try:
        assert add(1, 2) == 4
    except AssertionError:
        pass


def test_suppressed():
    with contextlib.suppress(Exception):
        assert add(1, 2) == 4


def test_dead_branch():
    if False:
        assert add(1, 2) == 3


def test_approx_outside_assert():
    pytest.approx(add(0.1, 0.2)) == 0.3


@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    add(n, n)


class TestCalc:
    def check(self, value):
        assert value == 3

    def test_method(self):
        self.check(add(1, 2))

    def test_method_smoke(self):
        add(1, 2)

    class TestInner:
        def test_inner(self):
            add(1, 2)


class Helper:
    def test_not_collected(self):
        pass


class TestWithInit:
    def __init__(self):
        pass

    def test_not_collected(self):
        pass


class Unit(unittest.TestCase):
    def test_equal(self):
        self.assertEqual(add(1, 2), 3)

    def test_fail(self):
        if add(1, 2) != 3:
            self.fail("wrong")

    def test_nothing(self):
        add(1, 2)


class Base(unittest.TestCase):
    def assertEqual(self, a, b):
        pass


class Child(Base):
    def test_overridden_assert(self):
        self.assertEqual(add(1, 2), 4)
"""


def test_assertion_free_tests_are_found_with_node_ids(tmp_path):
    files = {
        "app.py": "def add(a, b):\n    return a + b\n",
        "tests/__init__.py": "",
        "tests/helpers.py": "def check_sum(x):\n    if x != 3:\n        raise AssertionError(x)\n",
        "tests/conftest.py": "def must_be_three(x):\n    assert x == 3\n",
        "tests/test_app.py": SUITE,
    }
    result = scan(tmp_path, files)
    prefix = "tests/test_app.py::"
    assert sorted(i.removeprefix(prefix) for i in result.assertion_free) == [
        "Child::test_overridden_assert",
        "TestCalc::TestInner::test_inner",
        "TestCalc::test_method_smoke",
        "Unit::test_nothing",
        "test_after_return",
        "test_approx_outside_assert",
        "test_dead_branch",
        "test_lazy_helper",
        "test_param",
        "test_smoke",
        "test_suppressed",
        "test_swallowed",
        "test_trivial",
    ]
    lines = {f.line for f in result.findings if f.code == "integrity/assertion-free"}
    assert SUITE.splitlines().index("def test_smoke():") + 1 in lines  # located at the def
    assert all(f.path == "tests/test_app.py" for f in result.findings)


def test_recursive_helpers_terminate(tmp_path):
    code = (
        "def ping(n):\n    return pong(n)\n\n\ndef pong(n):\n    return ping(n)\n\n\n"
        "def test_loop():\n    ping(1)\n"
    )
    result = scan(tmp_path, {"tests/test_loop.py": code})
    assert result.assertion_free == {"tests/test_loop.py::test_loop"}


def test_calling_code_under_test_that_raises_is_not_asserting(tmp_path):
    files = {
        "app.py": "def check(x):\n    if x < 0:\n        raise ValueError(x)\n",
        "tests/test_app.py": "from app import check\n\n\ndef test_check():\n    check(1)\n",
    }
    assert scan(tmp_path, files).assertion_free == {"tests/test_app.py::test_check"}


def test_base_node_id_drops_parameters():
    assert base_node_id("tests/t.py::test_f[1-a]") == "tests/t.py::test_f"
    assert base_node_id("tests/t.py::C::test_g") == "tests/t.py::C::test_g"


def test_unparsable_files_are_skipped(tmp_path):
    result = scan(tmp_path, {"tests/test_bad.py": "def test_x(:\n", "bin.py": "\x00\x01"})
    assert result.findings == ()
    assert result.assertion_free == frozenset()
