"""Hostile learner repositories, built by the tests and run through the real sandbox."""
