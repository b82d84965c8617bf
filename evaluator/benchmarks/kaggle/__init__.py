"""Kaggle benchmarks: leaderboard percentile, or a submission scored against a hidden solution."""
