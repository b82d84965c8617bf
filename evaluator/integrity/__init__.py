"""Integrity of the evidence: static scans of learner code and the ``integrity`` check."""
