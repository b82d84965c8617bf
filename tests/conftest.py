"""Shared pytest options: ``--update-golden`` (or UPDATE_GOLDEN=1) rewrites golden files."""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/* from the current renderers instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether golden files are rewritten rather than compared."""
    return bool(request.config.getoption("--update-golden")) or os.environ.get(
        "UPDATE_GOLDEN", ""
    ) not in ("", "0")
