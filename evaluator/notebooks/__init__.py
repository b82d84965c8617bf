"""Notebook capstones: find the learner's notebooks, prepare them for a headless run, and
turn what the run recorded into checks (the run itself is ``sandbox/harness/notebooks.py``)."""
