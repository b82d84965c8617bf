"""Service capstones: the probes a rubric defines, the plan the in-sandbox prober
(``sandbox/harness/service.py``) follows, and the ``service`` check from its report."""
