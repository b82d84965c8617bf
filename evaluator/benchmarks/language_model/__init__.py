"""Language-model benchmarks: separate sandbox steps, audits and bits per byte on the host."""
