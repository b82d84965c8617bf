"""Rubrics: the format (model), the files (loader), the evidence and the decision engine."""
