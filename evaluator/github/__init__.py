"""GitHub delivery: the Action entry point, the App's worker-side publishing, REST helpers."""
