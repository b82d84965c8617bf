"""Cohort views over the results store: aggregation, KPIs, graduation, agreement,
similarity and the programme lead's dashboard. Aggregation is pure functions over
the DataFrames of :class:`~evaluator.cohort.frames.CohortFrames`.
"""
