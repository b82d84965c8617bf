"""Presence criteria that text matching let a learner satisfy or dodge: names in comments,
docstrings and strings, and a pretrained model imported through importlib."""

from __future__ import annotations

import pytest

from evaluator.model.criteria import CriterionStatus
from tests import nanogpt
from tests.adversarial.conftest import criterion, example_files

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PASS, FAIL = CriterionStatus.PASS, CriterionStatus.FAIL

SILENT_CLI = '''"""Command line. Its logging and error handling, as the rubric asked:

import logging
log = logging.getLogger(__name__)
except PermissionError:
except FileNotFoundError:
"""

import sys
from pathlib import Path

from file_organizer.organizer import apply_moves, plan_moves


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    apply_moves(plan_moves(Path(args[0])))
    return 0
'''

SILENT_ORGANIZER = '''"""Plan and apply moves."""

from dataclasses import dataclass
from pathlib import Path

from file_organizer.rules import category_of

NOTES = """
except OSError as exc:
    log.error("could not move %s", exc)
"""


@dataclass(frozen=True)
class Move:
    source: Path
    target: Path


def plan_moves(folder):
    return [Move(p, folder / category_of(p.name) / p.name) for p in sorted(folder.iterdir())]


def apply_moves(moves):
    for move in moves:
        move.target.parent.mkdir(exist_ok=True)
        move.source.rename(move.target)
    return len(moves)
'''


def test_logging_and_error_handling_named_only_in_text_fail(evaluate_files, honest):
    files = {
        **{k: v for k, v in example_files().items() if not k.startswith("tests/")},
        "file_organizer/cli.py": SILENT_CLI,
        "file_organizer/organizer.py": SILENT_ORGANIZER,
        "file_organizer/__main__.py": "from file_organizer.cli import main\n\nmain()\n",
    }
    report = evaluate_files(files)
    assert criterion(report, "logging").status is FAIL
    assert criterion(report, "error-handling").status is FAIL
    assert criterion(honest, "logging").status is PASS
    assert criterion(honest, "error-handling").status is PASS


DODGE = """
import importlib

_hub = importlib.import_module("transformers")
_MODEL = getattr(_hub, "GPT2" + "LMHead" + "Model").from_pretrained("gpt2")
"""


def without_from_pretrained(model: str) -> str:
    """nanoGPT's model.py without the classmethod that loads OpenAI's weights."""
    start = model.index("    @classmethod\n    def from_pretrained")
    end = model.index("    def configure_optimizers")
    return model[:start] + model[end:]


def dodged() -> dict[str, str]:
    """A model loaded by a computed name, beside a decoder the benchmark never runs."""
    files = nanogpt.repository()
    files["model.py"] = without_from_pretrained(files["model.py"])
    files["lm.py"] = files["lm.py"].replace("VOCAB_SIZE = 256\n", "VOCAB_SIZE = 256\n" + DODGE)
    return files


def test_a_model_loaded_through_importlib_fails_4_1_and_nanogpt_passes(evaluate_files):
    honest = evaluate_files(nanogpt.repository())
    assert criterion(honest, "decoder-implemented").status is PASS
    files = dodged()
    line = files["lm.py"].splitlines().index(DODGE.strip().splitlines()[-1]) + 1
    decided = criterion(evaluate_files(files), "decoder-implemented")
    assert decided.status is FAIL
    assert f"lm.py:{line} (transformers.*)" in decided.evidence
