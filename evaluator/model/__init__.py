"""The shared result model every stage produces and every renderer reads.

``report`` is ``report.json`` (checks, source, timings); ``criteria`` holds the
rubric decision inside it; ``base`` is the one frozen pydantic base they share.
"""
