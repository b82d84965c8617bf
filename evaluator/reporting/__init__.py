"""Reports rendered from ``report.json``: the learner's Markdown comment, the mentor's HTML."""

from evaluator.reporting.render import GITHUB_COMMENT_LIMIT, render_html, render_markdown

__all__ = ["GITHUB_COMMENT_LIMIT", "render_html", "render_markdown"]
