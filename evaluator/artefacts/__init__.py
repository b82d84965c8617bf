"""Artefacts a capstone must leave in its repository (a Dockerfile, a results table),
read on the host by parsers that only parse: nothing of the learner's runs here."""
