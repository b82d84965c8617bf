"""The evaluation report: one schema-versioned JSON document, the source of truth."""
