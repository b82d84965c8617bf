"""Learner-controlled text made inert in a GitHub Markdown comment.

A test name or a README line must not be able to close a code fence, inject
HTML or images, ping people with ``@mentions``, reference issues (``#1``,
``GH-1``, ``owner/repo#1``) or forge links in the learner's PR comment.
Rubric text (titles, next steps) is written by the programme and rendered as is.
"""

from __future__ import annotations

import re

#: Markdown and HTML specials become character references: CommonMark shows a
#: reference as its character and never as markup, and so does HTML, so one
#: escaping holds in Markdown text, in a table cell and inside the raw HTML of a
#: ``<details><summary>`` line, where a backslash escape is no escape at all.
#: Parentheses, braces and ``!`` start nothing without ``[`` or ``<``, and ``_``
#: and ``-`` between letters or digits start nothing either: they stay readable.
_SPECIAL = re.compile(r"[\\`*\[\]<>#+|~$&\u200b]|(?<![A-Za-z0-9])[_-]|[_-](?![A-Za-z0-9])")
_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
#: GitHub links mentions, references and bare URLs in the rendered text, after
#: Markdown: a zero-width space (the trick Renovate and Dependabot use) breaks
#: each one and keeps the text readable.
_ZWSP = "\u200b"
_AUTOLINKS = re.compile(r"(?i)(?<=@)|(?<=#)|(?<=\bgh)(?=-\d)|(?<=:)(?=//)|(?<=\bwww)(?=\.)")
_BACKTICKS = re.compile(r"`+")
#: Characters of one learner value shown in the comment (the full text is in the HTML
#: report): escaping can grow a character twelvefold, and GitHub takes 65,536 in all.
MAX_TEXT_CHARS = 1_000


def _reference(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or f"&#{ord(char)};"


def md_text(value: object) -> str:
    """One line of inert Markdown: newlines folded, cut to ``MAX_TEXT_CHARS``, specials as
    character references, mentions, issue references and bare links broken."""
    text = " ".join(str(value).split())
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - 1] + "…"
    text = _AUTOLINKS.sub(_ZWSP, text)
    return _SPECIAL.sub(_reference, text)


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
