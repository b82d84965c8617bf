"""The LLM-assisted rubric review: decide judgement criteria, grounded in evidence.

settings (configuration), sources (which learner files, as what text), injection (the
scan for text aimed at the grader), prompt (assembly within a token budget), answer
(the validated JSON answer), citations (checked against the workspace), client (litellm,
imported lazily), cache and budget, and step (one review, start to finish).
"""
