"""Forged test-suite evidence: a failing test hidden by xfail, a suite padded with tests that
assert nothing, code hidden from coverage. Each forgery is flagged with file:line and no
criterion it forges passes automatically; the honest example keeps its grade."""

from __future__ import annotations

import pytest

from evaluator.model.criteria import CriterionStatus
from evaluator.model.report import Status
from tests.adversarial.conftest import check_of, criterion, example_files, integrity_kinds

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PASS = CriterionStatus.PASS


def test_the_honest_example_meets_every_automatic_criterion(honest):
    automatic = [c for c in honest.criteria if c.kind in {"metric", "presence"}]
    assert automatic
    assert [(c.id, c.status) for c in automatic if c.status is not PASS] == []
    assert check_of(honest, "integrity").status is Status.PASS
    assert check_of(honest, "hidden-tests").metrics["passed"] == 8


XFAILED = """
import pytest

from file_organizer.rules import category_of


@pytest.mark.xfail
def test_pdf_is_a_document():
    assert category_of("report.pdf") == "images"
"""


def test_a_failing_test_hidden_by_xfail_is_flagged(evaluate_files, honest):
    files = {**example_files(), "tests/test_hidden_failure.py": XFAILED}
    report = evaluate_files(files)
    assert check_of(report, "tests").status is Status.PASS  # pytest itself is fooled
    assert ("xfail-no-reason", "tests/test_hidden_failure.py", 7) in integrity_kinds(report)
    held = criterion(report, "tests-pass")
    assert held.status is CriterionStatus.UNDECIDED
    assert "tests/test_hidden_failure.py:7" in held.reason
    assert criterion(honest, "tests-pass").status is PASS


def _padded_suite() -> str:
    tests = [f"def test_category_{n}():\n    category_of('file{n}.png')\n" for n in range(18)] + [
        "def test_trivial():\n    assert True\n",
        "def test_swallowed():\n    try:\n        assert category_of('a.png') == 'x'\n"
        "    except AssertionError:\n        pass\n",
    ]
    return "from file_organizer.rules import category_of\n\n\n" + "\n\n".join(tests)


def test_a_suite_padded_with_assertion_free_tests_does_not_count(evaluate_files, honest):
    files = {k: v for k, v in example_files().items() if not k.startswith("tests/test_")}
    report = evaluate_files({**files, "tests/test_padding.py": _padded_suite()})
    free = [k for k, _p, _l in integrity_kinds(report) if k == "assertion-free"]
    assert len(free) == 20
    assert check_of(report, "integrity").metrics["assertion-free"] == 20
    assert criterion(report, "twenty-tests").status is not PASS
    assert criterion(honest, "twenty-tests").status is PASS


UNTESTED = '''

def undo_moves(moves):  # pragma: no cover
    """Put every moved file back (nothing tests this)."""
    undone = 0
    for move in moves:
        if move.target.exists() and not move.source.exists():
            move.target.rename(move.source)
            undone += 1
        elif move.target.exists():
            log.warning("cannot undo %s: %s exists", move.target, move.source)
        else:
            log.warning("cannot undo %s: it is gone", move.target)
    return undone
'''


def test_code_hidden_from_coverage_by_a_pragma_is_flagged(evaluate_files, honest):
    files = example_files()
    files["file_organizer/organizer.py"] += UNTESTED
    line = (
        files["file_organizer/organizer.py"]
        .splitlines()
        .index("def undo_moves(moves):  # pragma: no cover")
        + 1
    )
    report = evaluate_files(files)
    assert ("pragma-no-cover", "file_organizer/organizer.py", line) in integrity_kinds(report)
    assert criterion(report, "coverage").status is not PASS
    assert criterion(honest, "coverage").status is PASS
