from evaluator.checks.install import install_script, install_spec, requires_python_problem
from evaluator.config import EvaluatorConfig
from evaluator.intake.dependencies import plan_dependencies
from tests.conftest import write_tree


def test_requirements_with_includes_and_dropped_lines(tmp_path):
    write_tree(
        tmp_path,
        {
            "requirements.txt": "numpy>=1.26  # math\n-r requirements-dev.txt\n"
            "--index-url https://evil.example/simple\n-e .\nhttps://x/y.whl\n\nrequests\n",
            "requirements-dev.txt": "pytest-mock\nnumpy>=1.26\n",
        },
    )
    plan = plan_dependencies(tmp_path)
    assert plan.requirements == ("numpy>=1.26", "pytest-mock", "requests")
    assert plan.files == ("requirements.txt", "requirements-dev.txt")
    assert len(plan.notes) == 3
    assert all("ignored" in note for note in plan.notes)


def test_include_outside_the_repository_is_refused(tmp_path):
    write_tree(tmp_path, {"requirements.txt": "-r ../../etc/passwd\n"})
    plan = plan_dependencies(tmp_path)
    assert plan.empty
    assert "not found in the repository" in plan.notes[0]


def test_pyproject_dependencies_and_test_extra(tmp_path):
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname="x"\nrequires-python=">=3.10"\n'
            'dependencies=["pandas>=2"]\n[project.optional-dependencies]\n'
            'test=["hypothesis"]\ndocs=["sphinx"]\n'
        },
    )
    plan = plan_dependencies(tmp_path)
    assert plan.requirements == ("pandas>=2", "hypothesis")
    assert plan.requires_python == ">=3.10"


def test_poetry_only_is_reported(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": '[tool.poetry.dependencies]\npython="^3.11"\n'})
    plan = plan_dependencies(tmp_path)
    assert plan.poetry_only
    assert plan.empty
    assert "Poetry" in plan.notes[0]


def test_invalid_pyproject_is_a_note(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": "[project\n"})
    assert "not valid TOML" in plan_dependencies(tmp_path).notes[0]


def test_cache_key_depends_on_image_and_requirements(tmp_path):
    write_tree(tmp_path, {"requirements.txt": "numpy\n"})
    plan = plan_dependencies(tmp_path)
    assert plan.cache_key("sha256:a") == plan.cache_key("sha256:a")
    assert plan.cache_key("sha256:a") != plan.cache_key("sha256:b")


def test_requires_python():
    assert requires_python_problem(None, "3.11.2") is None
    assert requires_python_problem(">=3.10", "3.11.2") is None
    problem = requires_python_problem(">=3.12", "3.11.2")
    assert problem is not None
    assert "excludes the sandbox's Python 3.11.2" in problem
    assert "not a valid version specifier" in (requires_python_problem("3.11", "3.11.2") or "")


def test_install_runs_with_constraints_and_index_only_network(tmp_path):
    ca = tmp_path / "ca.crt"
    ca.write_text("cert")
    spec = install_spec("img", EvaluatorConfig(ca_bundle=ca))
    assert spec.network == "host"
    assert spec.env == {"PIP_CERT": "/run/capstone-ca.crt"}
    assert spec.ro_binds == ((ca.resolve(), "/run/capstone-ca.crt"),)
    assert "-c /opt/sandbox/constraints.txt" in install_script(())
    assert "--only-binary=:all:" in install_script(())
    assert "--only-binary" not in install_script((), only_binary=False)
    assert "--index-url https://mirror/simple" in install_script(
        ("--index-url", "https://mirror/simple")
    )
