"""Syntax-tree helpers: module names, name resolution, imports and the entry points' reach."""

from __future__ import annotations

import ast

from evaluator.pycode.files import is_test_file, load_codebase, module_name, parse_python
from evaluator.pycode.names import Names, imports_in
from evaluator.pycode.reach import reachable
from tests.conftest import write_tree


def test_module_names_and_test_files():
    assert module_name("pkg/sub/mod.py") == "pkg.sub.mod"
    assert module_name("src/pkg/__init__.py") == "pkg"
    assert is_test_file("tests/helpers.py")
    assert is_test_file("pkg/test_a.py")
    assert is_test_file("conftest.py")
    assert not is_test_file("pkg/testing_tools.py")


def test_names_resolve_through_imports_and_literal_dynamic_imports():
    tree = parse_python(
        "import numpy as np\nimport importlib\nfrom torch.nn import functional as F\n"
        "tf = importlib.import_module('transformers')\nG = F.gelu\n",
        "m.py",
    )
    assert tree is not None
    names = Names(tree)
    assert names.resolve(ast.parse("np.mean", mode="eval").body) == "numpy.mean"
    assert names.resolve(ast.parse("F.relu", mode="eval").body) == "torch.nn.functional.relu"
    assert names.resolve(ast.parse("tf.AutoModel", mode="eval").body) == "transformers.AutoModel"
    assert names.aliases["G"] == "torch.nn.functional.gelu"
    found = [i.qualified for i in imports_in(tree, names)]
    # Statements, the literal dynamic import, and names read off imported modules.
    assert found == [
        "numpy",
        "importlib",
        "torch.nn.functional",
        "transformers",
        "importlib.import_module",
        "torch.nn.functional.gelu",
    ]


def test_reach_follows_methods_super_relative_imports_and_unknown_receivers(tmp_path):
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "from .base import Base\n",
            "pkg/base.py": (
                "class Base:\n    def __init__(self):\n        self.setup()\n\n"
                "    def setup(self):\n        return 1\n\n    def unused(self):\n        return 2\n"
            ),
            "pkg/model.py": (
                "from . import base\n\n\nclass Net(base.Base):\n"
                "    def __init__(self):\n        super().__init__()\n\n"
                "    def forward(self, x):\n        return helper(x)\n\n"
                "    def generate(self):\n        return 3\n\n\n"
                "def helper(x):\n    return x\n\n\ndef never():\n    return 0\n"
            ),
            "pkg/api.py": (
                "from pkg.model import Net\n\n\ndef predict(x):\n    net = Net()\n"
                "    return net.generate()\n\n\nif __name__ == '__main__':\n    never_run()\n"
            ),
        },
    )
    reach = reachable(load_codebase(tmp_path), ["pkg.api:predict", "pkg.missing:f"])
    names = {fn.name for _u, fn in reach.functions.values()}
    assert names == {"predict", "__init__", "setup", "forward", "helper", "generate"}
    assert reach.modules == {"pkg", "pkg.api", "pkg.model", "pkg.base"}
    assert reach.unresolved == ["pkg.missing:f"]
