"""Hidden-label benchmarks: definitions, hidden data, sandboxed harnesses, host-side scoring."""
