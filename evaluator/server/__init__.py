"""The GitHub App's webhook endpoint (ASGI): verify, queue, answer 202."""
