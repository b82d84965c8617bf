"""capstone-evaluator: evaluate AI/ML engineering capstone repositories."""

__version__ = "0.1.0"
