"""Copies of a public test set: fingerprints of the hidden data, and scans of the workspace and
of the learner's installed dependencies for them."""
