"""Learner-controlled text made inert in a GitHub Markdown comment.

A test name or a README line must not be able to close a code fence, inject
HTML, ping people with ``@mentions`` or forge links in the learner's PR comment.
Rubric text (titles, next steps) is written by the programme and rendered as is.
"""

from __future__ import annotations

import re

#: CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones
#: that start emphasis, links, HTML, code spans, tables, headings and lists.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-!|~])")
_BACKTICKS = re.compile(r"`+")


def md_text(value: object) -> str:
    """One line of inert Markdown: specials escaped, newlines folded, mentions broken."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;")
    text = _SPECIAL.sub(r"\\\1", text)
    # A zero-width space after '@' keeps the text readable but stops GitHub's
    # @mention and team notifications (the same trick Renovate and Dependabot use).
    return text.replace("@", "@&#8203;")


def md_code(value: object, lang: str = "text") -> str:
    """A fenced code block that the content cannot close (the fence outgrows its backticks)."""
    text = str(value).rstrip("\n")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def clip(value: object, limit: int, suffix: str) -> str:
    """``value`` cut to ``limit`` characters (keeping the tail: the end of a log matters most)."""
    text = str(value)
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    return f"{suffix}\n{text[-limit:]}"
