"""Learner-controlled text cannot inject HTML, JavaScript, Markdown structure or mentions."""

from __future__ import annotations

import re

import pytest

from evaluator.reporting import render_html, render_markdown
from evaluator.reporting.mdsafe import md_code, md_text
from tests.samples import HOSTILE_MESSAGE, full_report

FENCE = re.compile(r"^(`{3,})[^\n]*\n.*?^\1$", re.MULTILINE | re.DOTALL)


def _outside_code(markdown: str) -> str:
    """The Markdown with every fenced code block removed (as GitHub would parse it)."""
    return FENCE.sub("", markdown)


def test_html_escapes_every_learner_value() -> None:
    html = render_html(full_report(), "en")
    for raw in ("<script>", "<img src=x", "<b>odd</b>", "<b>retry</b>", "<!-- hidden -->"):
        assert raw not in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html  # rendered as text, never evaluated as a template
    assert "49" not in html


def test_html_is_self_contained_and_forbids_scripts() -> None:
    html = render_html(full_report(), "nl")
    assert "default-src 'none'" in html
    assert not re.search(r"<(script|link|iframe|img)\b", html)
    assert not re.search(r"src=\"?(https?:)?//", html)
    # The only external references are links (navigation, not loads) to cited lines at the
    # evaluated commit.
    assert not re.search(r"<(?!a )[^>]*href=\"?(https?:)?//", html)
    links = re.findall(r'<a href="(https?://[^"]*)"', html)
    assert links
    assert all(
        u.startswith("https://github.com/learner/organizer/blob/0123456789ab") for u in links
    )


def test_markdown_hostile_text_stays_inert() -> None:
    comment = render_markdown(full_report(), "en")
    outside = _outside_code(comment)
    unescaped = re.compile(r"(?<!\\)<(script|img)")
    assert not unescaped.search(outside)
    assert r"\<img src=x" in outside  # shown, escaped
    assert "@octocat" not in outside
    assert "@&#8203;octocat" in outside
    assert "](javascript:" not in outside
    # Every <details> the template opens is closed by the template, not by the learner.
    assert outside.count("<details>") == outside.count("</details>") == 2
    assert "\n# Graduated" not in outside


def test_code_fence_outgrows_backticks_in_content() -> None:
    block = md_code("before\n````\nafter")
    assert block.startswith("`````text\n")
    assert block.endswith("\n`````")
    assert _outside_code(block) == ""
    assert md_code(HOSTILE_MESSAGE).startswith("````")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<b>x</b>", r"\<b\>x\</b\>"),
        ("a\n# b", r"a \# b"),
        ("[x](y)", r"\[x\]\(y\)"),
        ("| cell |", r"\| cell \|"),
        ("ping @team", "ping @&#8203;team"),
        ("a & b", "a &amp; b"),
        ("`code`", r"\`code\`"),
    ],
)
def test_md_text(raw: str, escaped: str) -> None:
    assert md_text(raw) == escaped
