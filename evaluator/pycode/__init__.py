"""What learner Python code says, read from its syntax tree; it is never imported or run."""
