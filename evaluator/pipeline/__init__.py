"""One evaluation: what is asked (:mod:`.run`), its steps (:mod:`.steps`), and the report
they add up to (:mod:`.evaluate`)."""

from evaluator.pipeline.evaluate import error_report, evaluate
from evaluator.pipeline.run import EvaluationRequest
from evaluator.pipeline.steps import STEPS

__all__ = ["STEPS", "EvaluationRequest", "error_report", "evaluate"]
