"""The static scan's detectors for source code: pragmas, lint suppressions, a narrow source."""

from __future__ import annotations

import json

from tests.unit.integrity.test_scan_tests import kinds, scan

PRAGMAS = '''\
"""Docs mention # pragma: no cover and # noqa without being either."""

TEXT = "# pragma: no cover"


def used():  # pragma: no cover
    return 1


def also():  #pragma:no cover
    return 2
'''


def test_pragma_no_cover_counts_comments_only(tmp_path):
    result = scan(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": PRAGMAS})
    assert kinds(result) == [
        ("pragma-no-cover", "pkg/mod.py", 6),
        ("pragma-no-cover", "pkg/mod.py", 10),
    ]


def test_pragma_in_tests_is_not_reported(tmp_path):
    code = "def test_x():  # pragma: no cover\n    assert 1 == 1 + 0\n"
    assert kinds(scan(tmp_path, {"tests/test_x.py": code})) == []


def test_lint_suppressions_are_counted_as_information(tmp_path):
    code = (
        "# ruff: noqa\nimport os  # noqa\nimport sys  # NOQA: F401\n"
        "import re  # ruff: ignore[F401]\n# flake8: noqa\n# isort: skip_file\n"
        "x = '# noqa in a string'\n"
    )
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# noqa in markdown"]},
            {"cell_type": "code", "source": ["%matplotlib inline\n", "import os  # noqa\n"]},
        ]
    }
    result = scan(tmp_path, {"mod.py": code, "nb.ipynb": json.dumps(notebook)})
    assert result.noqa_directives == 7
    lines = [line for k, path, line in kinds(result) if k == "noqa" and path == "mod.py"]
    assert lines == [1, 2, 3, 4, 5, 6]
    cell = next(f for f in result.findings if f.path == "nb.ipynb")
    assert "nb.ipynb:cell 2:2" in cell.message


MANIFEST = "capstone: 1.1-file-organizer\nsource: [utils]\ntests: [tests]\n"


def test_source_narrower_than_the_packages_is_flagged(tmp_path):
    files = {
        "utils/__init__.py": "",
        "core/__init__.py": "",
        "core/logic.py": "def f():\n    return 1\n",
        "src/extra/__init__.py": "",
        "calc.py": "def add(a, b):\n    return a + b\n",
        "train.py": "print('a script nobody tests')\n",
        "setup.py": "",
        "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    }
    result = scan(tmp_path, files, manifest=MANIFEST)
    assert kinds(result) == [("narrow-source", "capstone.yaml", 2)]
    message = result.findings[0].message
    assert "calc.py, core, src/extra" in message
    assert "train.py" not in message


def test_source_that_covers_every_package_is_not_flagged(tmp_path):
    files = {
        "src/organizer/__init__.py": "",
        "src/organizer/cli.py": "",
        "tools/__init__.py": "",
    }
    for source in ("[src/organizer, tools]", "[organizer, tools]", "[.]", "[src, tools]"):
        manifest = f"capstone: 1.1\nsource: {source}\n"
        assert kinds(scan(tmp_path, files, manifest=manifest)) == [], source
    assert kinds(scan(tmp_path, files, manifest="capstone: 1.1\n")) == []
