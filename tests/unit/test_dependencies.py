"""Declaration readers: every layout read, nothing executed, non-requirements refused."""

import json

import pytest

from evaluator.intake.dependencies import plan_dependencies
from evaluator.intake.dependencies.conda import conda_requirement
from evaluator.intake.dependencies.poetry import poetry_specifier
from evaluator.intake.dependencies.python_version import version_pin
from evaluator.intake.dependencies.requirements_txt import logical_lines
from tests.conftest import write_tree


def texts(plan):
    return [item.text for item in plan.requirements]


def refused(plan):
    return {(r.origin.path, r.origin.line): r.reason for r in plan.refusals}


def test_requirements_with_includes_hashes_and_refused_lines(tmp_path):
    write_tree(
        tmp_path,
        {
            "requirements.txt": "numpy>=1.26  # math\n-r requirements/dev.txt\n"
            "--index-url https://evil.example/simple\n-e .\nhttps://x/y.whl\n\n"
            "six==1.16.0 \\\n    --hash=sha256:abc\n-r ../../etc/passwd\nfoo==${VERSION}\n",
            "requirements/dev.txt": "pytest-mock\nnumpy>=1.26\n",
            "requirements-docs.txt": "sphinx\n",
        },
    )
    plan = plan_dependencies(tmp_path)
    assert texts(plan) == ["numpy>=1.26", "pytest-mock", "six==1.16.0"]
    assert plan.files[:2] == ("requirements.txt", "requirements/dev.txt")
    reasons = refused(plan)
    assert set(reasons) == {("requirements.txt", n) for n in (3, 4, 5, 9, 10)}
    assert "must be in the repository" in reasons[("requirements.txt", 9)]
    assert any("requirements-docs.txt not read" in note for note in plan.notes)


def test_continuation_that_spells_an_option_is_seen_whole():
    lines = logical_lines("--\\\nindex-url=http://evil\nsix\n")
    assert lines == [(1, "--index-url=http://evil"), (3, "six")]


@pytest.mark.parametrize(
    "line",
    [
        "--no-binary :all:",
        "--no-binary=evilpkg",
        "--extra-index-url https://evil",
        "--\\\nindex-url=https://evil",
        "-i https://evil",
        "--trusted-host evil",
        "-f https://evil/links",
        "-c constraints.txt",
        "git+https://github.com/x/y.git#egg=y",
        "./local/pkg",
        "/abs/pkg.whl",
        "y @ file:///tmp/y",
        'six; python_version > "3" --index-url=http://evil',
    ],
)
def test_hostile_requirement_lines_never_become_requirements(tmp_path, line):
    write_tree(tmp_path, {"requirements.txt": line + "\nsix\n"})
    plan = plan_dependencies(tmp_path)
    assert texts(plan) == ["six"]
    assert len(plan.refusals) == 1
    assert plan.refusals[0].origin.path == "requirements.txt"
    assert plan.refusals[0].origin.line == 1


def test_pyproject_dependencies_extras_groups_and_injection(tmp_path):
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname='x'\nrequires-python='>=3.12'\n"
            'dependencies=["attrs>=23", "six\\n--index-url http://evil", "y @ https://x/y.whl"]\n'
            "[project.optional-dependencies]\ntest=['tomli']\ndocs=['sphinx']\n"
            "[dependency-groups]\ndev=['iniconfig', {include-group='lint'}]\nlint=['ruff']\n"
            "[tool.uv]\ndev-dependencies=['pluggy']\n[tool.uv.sources]\nattrs={index='x'}\n"
        },
    )
    plan = plan_dependencies(tmp_path)
    assert texts(plan) == ["attrs>=23", "tomli", "iniconfig", "ruff", "pluggy"]
    assert [(r.origin.line, r.reason.split(" ")[0]) for r in plan.refusals] == [
        (4, "contains"),
        (4, "direct"),
    ]
    assert [(str(a.specifier), a.required) for a in plan.python] == [(">=3.12", True)]
    assert any("[tool.uv.sources] ignored" in note for note in plan.notes)


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^1.2", ">=1.2,<2.0"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0", ">=0,<1"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1", ">=1,<2"),
        ("~=1.4", "~=1.4"),
        ("1.2.3", "==1.2.3"),
        ("1.2.*", "==1.2.*"),
        ("*", ""),
        (">=1.2, <1.5", ">=1.2,<1.5"),
        (">= 1.2 < 1.5", ">=1.2,<1.5"),
    ],
)
def test_poetry_constraints(constraint, expected):
    assert poetry_specifier(constraint) == expected


def test_poetry_alternatives_are_refused():
    with pytest.raises(ValueError, match="one range"):
        poetry_specifier("^1.0 || ^2.0")


def test_poetry_dependencies_and_groups(tmp_path):
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.poetry.dependencies]\npython = '^3.10'\nattrs = '^23.1'\n"
            "torch = {version = '^2.1', source = 'pytorch'}\n"
            "foo = {git = 'https://github.com/x/foo.git'}\n"
            "bar = [{version = '<2', python = '<3.8'}, {version = '^2', python = '>=3.8', "
            "extras = ['fast']}]\nopt = {version = '*', optional = true}\n"
            "[tool.poetry.group.test.dependencies]\npytest-mock = '~3.12'\n"
            "[tool.poetry.group.docs.dependencies]\nsphinx = '*'\n"
            "[[tool.poetry.source]]\nname = 'pytorch'\nurl = 'https://x'\n"
        },
    )
    plan = plan_dependencies(tmp_path)
    assert texts(plan) == [
        "attrs<24.0,>=23.1",
        "torch<3.0,>=2.1",
        'bar<2; python_full_version < "3.8"',
        'bar[fast]<3,>=2; python_full_version >= "3.8"',
        "pytest-mock<3.13,>=3.12",
    ]
    assert refused(plan)[("pyproject.toml", 5)].startswith("git dependencies")
    assert [str(a.specifier) for a in plan.python] == ["<4.0,>=3.10"]
    assert sum("ignored" in note for note in plan.notes) == 2


def test_locks_pin_index_packages_and_refuse_the_rest(tmp_path):
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname='x'\ndependencies=['attrs']\n",
            "uv.lock": 'version = 1\n[[package]]\nname = "attrs"\nversion = "23.2.0"\n'
            'source = { registry = "https://pypi.org/simple" }\n'
            '[[package]]\nname = "x"\nversion = "0.1"\nsource = { editable = "." }\n'
            '[[package]]\nname = "y"\nversion = "1.0"\nsource = { git = "https://g/y" }\n',
            "pdm.lock": '[[package]]\nname = "six"\nversion = "1.16.0"\n',
            "poetry.lock": '[[package]]\nname = "tomli"\nversion = "2.0.1"\n'
            '[[package]]\nname = "z"\nversion = "1"\n[package.source]\ntype = "git"\n',
        },
    )
    plan = plan_dependencies(tmp_path)
    assert {(p.name, str(p.version)) for p in plan.pins} == {
        ("attrs", "23.2.0"),
        ("six", "1.16.0"),
        ("tomli", "2.0.1"),
    }
    assert {r.text for r in plan.refusals} == {"y", "z"}


def test_pipfile_and_its_lock(tmp_path):
    write_tree(
        tmp_path,
        {
            "Pipfile": "[[source]]\nurl = 'https://x'\n[packages]\nattrs = '>=23'\n"
            "six = {version = '*', markers = \"python_version >= '3'\"}\n"
            "loc = {path = '.', editable = true}\n[dev-packages]\ntomli = '*'\n"
            "[requires]\npython_version = '3.12'\n",
            "Pipfile.lock": json.dumps(
                {
                    "default": {"attrs": {"version": "==23.2.0"}},
                    "develop": {"tomli": {"version": "==2.0.1"}},
                }
            ),
        },
    )
    plan = plan_dependencies(tmp_path)
    assert texts(plan) == ["attrs>=23", 'six; python_version >= "3"', "tomli"]
    assert {(p.name, str(p.version)) for p in plan.pins} == {
        ("attrs", "23.2.0"),
        ("tomli", "2.0.1"),
    }
    assert [(str(a.specifier), a.required) for a in plan.python] == [("==3.12.*", False)]
    assert "path entries" in plan.refusals[0].reason


def test_pipfile_lock_alone_supplies_requirements(tmp_path):
    lock = {"default": {"six": {"version": "==1.16.0"}, "g": {"git": "https://x"}}}
    write_tree(tmp_path, {"Pipfile.lock": json.dumps(lock)})
    plan = plan_dependencies(tmp_path)
    assert texts(plan) == ["six==1.16.0"]
    assert plan.refusals[0].text == "g"


def test_setup_cfg(tmp_path):
    write_tree(
        tmp_path,
        {
            "setup.cfg": "[metadata]\nname = x\n[options]\npython_requires = >=3.9\n"
            "install_requires =\n    attrs>=23\n    six ; python_version >= '3'\n"
            "[options.extras_require]\ntest = tomli\ndocs = sphinx\n"
        },
    )
    plan = plan_dependencies(tmp_path)
    assert texts(plan) == ["attrs>=23", 'six; python_version >= "3"', "tomli"]
    assert [str(a.specifier) for a in plan.python] == [">=3.9"]


def test_setup_py_is_read_not_run(tmp_path):
    marker = tmp_path / "executed"
    write_tree(
        tmp_path,
        {
            "setup.py": f"from setuptools import setup\nopen({str(marker)!r}, 'w').write('x')\n"
            "REQS = ['attrs>=23']\nsetup(name='x', install_requires=REQS,\n"
            "      extras_require={'test': ['tomli'], 'gpu': ['cupy']}, python_requires='>=3.9')\n"
        },
    )
    plan = plan_dependencies(tmp_path)
    assert texts(plan) == ["attrs>=23", "tomli"]
    assert not marker.exists()


def test_setup_py_computed_requirements_are_refused(tmp_path):
    write_tree(
        tmp_path,
        {
            "setup.py": "import setuptools\nsetuptools.setup(install_requires=open('r.txt').read().split())\n"
        },
    )
    plan = plan_dependencies(tmp_path)
    assert plan.empty
    assert "never run" in refused(plan)[("setup.py", 2)]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("numpy", ("numpy", "")),
        ("numpy=1.26", ("numpy", "==1.26.*")),
        ("numpy==1.26.4", ("numpy", "==1.26.4")),
        ("conda-forge::scikit-learn=1.4.2=py312h1", ("scikit-learn", "==1.4.2.*")),
        ("pandas>=2,<3", ("pandas", ">=2,<3")),
        ("matplotlib-base 3.8.*", ("matplotlib", "==3.8.*")),
        ("pytorch::pytorch>=2", ("torch", ">=2")),
        ("cudatoolkit=11.8", None),
        ("python=3.12", None),
    ],
)
def test_conda_specs(spec, expected):
    assert conda_requirement(spec) == expected


def test_environment_yml(tmp_path):
    write_tree(
        tmp_path,
        {
            "environment.yml": "name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.12\n"
            "  - numpy=1.26\n  - pytorch\n  - mkl\n  - pip\n  - pip:\n    - attrs>=23\n"
            "    - --extra-index-url https://evil\n"
        },
    )
    plan = plan_dependencies(tmp_path)
    assert texts(plan) == ["numpy==1.26.*", "torch", "attrs>=23"]
    assert [(str(a.specifier), a.required) for a in plan.python] == [("==3.12.*", False)]
    assert refused(plan)[("environment.yml", 11)].startswith("pip options")
    assert any("'mkl' has no PyPI equivalent" in note for note in plan.notes)
    assert any("'pytorch' installed as PyPI 'torch'" in note for note in plan.notes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.12\n", "==3.12.*"),
        ("3.12.4", "==3.12.4"),
        ("python-3.13.1\n", "==3.13.1"),
        ("pypy3.10", None),
    ],
)
def test_python_version_files(text, expected):
    assert version_pin(text) == expected


def test_invalid_files_are_notes_not_crashes(tmp_path):
    write_tree(
        tmp_path,
        {"pyproject.toml": "[project\n", "setup.py": "def (:\n", "environment.yml": "a: [\n"},
    )
    plan = plan_dependencies(tmp_path)
    assert plan.empty
    assert len(plan.notes) == 3
