"""The learner's pytest settings, read as data: filters to report, harmless settings to keep."""

from evaluator.checks.pytest_config import read_pytest_config
from evaluator.intake.manifest import Manifest
from tests.conftest import write_tree


def test_addopts_filters_are_found_with_their_line(tmp_path):
    ini = (
        "[pytest]\n"
        "markers = slow\n"
        "addopts = -q -k 'not bad' --deselect tests/t.py::x -m \"not slow\" --tb=short\n"
        "          --ignore=tests/hidden -kother tests/unit\n"
        "testpaths = tests/unit\n"
    )
    write_tree(tmp_path, {"pytest.ini": ini, "tests/unit/t.py": "", "tests/hidden/h.py": ""})
    config = read_pytest_config(tmp_path, None)
    found = {f.kind: f for f in config.filters if f.setting.startswith("addopts")}
    assert found["keyword"].values == ("not bad", "other")
    assert found["mark"].values == ("not slow",)
    assert found["deselect"].values == ("tests/t.py::x",)
    assert found["ignore"].values == ("tests/hidden",)
    assert found["paths"].values == ("tests/unit",)  # "short" is no path
    assert {f.line for f in found.values()} == {3}
    assert found["keyword"].setting == "addopts: -k 'not bad' -kother"
    testpaths = [f for f in config.filters if f.setting.startswith("testpaths")]
    assert (testpaths[0].values, testpaths[0].line) == (("tests/unit",), 5)


def test_pytest_picks_the_first_config_file_and_so_do_we(tmp_path):
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.pytest.ini_options]\naddopts = ["-k", "from_toml"]\n',
            "setup.cfg": "[tool:pytest]\naddopts = -k from_cfg\n",
            "tox.ini": "[tox]\nenvlist = py311\n",
        },
    )
    (found,) = read_pytest_config(tmp_path, None).filters
    assert (found.path, found.values, found.line) == ("pyproject.toml", ("from_toml",), 2)


def test_the_manifest_tests_list_is_a_filter(tmp_path):
    write_tree(tmp_path, {"capstone.yaml": "capstone: x\n\ntests: [tests/a.py]\n"})
    manifest = Manifest(capstone="x", tests=["tests/a.py"])
    (found,) = read_pytest_config(tmp_path, manifest).filters
    assert (found.kind, found.path, found.line) == ("paths", "capstone.yaml", 3)


def test_only_harmless_settings_are_passed_on(tmp_path):
    ini = (
        "[pytest]\n"
        "python_files = check_*.py test_*.py $(rm -rf)\n"
        "python_functions = should\n"
        "asyncio_mode = auto\n"
        "pythonpath = src app ../outside\n"
        "filterwarnings = error\n"
    )
    write_tree(tmp_path, {"pytest.ini": ini, "app/m.py": "", "src/n.py": ""})
    config = read_pytest_config(tmp_path, None)
    assert config.options == {
        "python_files": "test_*.py *_test.py check_*.py",
        "python_functions": "test should",
        "asyncio_mode": "auto",
    }
    assert config.pythonpath == ("src", "app")
    assert config.filters == ()


def test_unreadable_or_huge_config_is_ignored(tmp_path):
    write_tree(tmp_path, {"pytest.ini": "[pytest\naddopts = -k x\n"})
    assert read_pytest_config(tmp_path, None).filters == ()
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -k x\n" + "#" * 300_000)
    assert read_pytest_config(tmp_path, None).filters == ()
