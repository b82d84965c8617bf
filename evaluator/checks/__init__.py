"""Automatic checks. Each turns evidence (sandbox runs, files) into CheckResults."""
