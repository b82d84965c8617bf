"""Hidden data sets: canonical formats, import into the evaluator's store, loading on the host."""
