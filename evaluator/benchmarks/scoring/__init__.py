"""Host-side scoring: metrics, validation of sandbox output, and the claim check."""
