"""The ``capstone-eval`` command line, one module per area of commands (see :mod:`.base`)."""

from evaluator.cli import benchmarks, cohorts, evaluate, github, rubrics, sandbox
from evaluator.cli.base import cli, main

__all__ = ["benchmarks", "cli", "cohorts", "evaluate", "github", "main", "rubrics", "sandbox"]
