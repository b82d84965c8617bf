"""Learner-controlled text cannot inject HTML, JavaScript, Markdown structure or mentions."""

from __future__ import annotations

import html
import re

import pytest
from pydantic import ValidationError

from evaluator.model.report import Report
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
    # No raw tag from learner text, even inside the raw HTML of a <details><summary>
    # line, where a backslash escape would still leave a working tag.
    assert not re.search(r"<(script|img)", outside)
    assert "&lt;img src=x" in outside  # shown, as text
    assert "@octocat" not in outside
    assert "@&#8203;octocat" in outside
    assert "](javascript:" not in outside
    # Every <details> the template opens is closed by the template, not by the learner.
    assert outside.count("<details>") == outside.count("</details>") == 2
    assert "\n# Graduated" not in outside


def test_summary_line_shows_names_without_backslashes() -> None:
    """The honest twin: a test path in a <details> summary reads as it is."""
    comment = render_markdown(full_report(), "en")
    assert "<details><summary>tests/test_mover.py:12: test_moves_images:" in comment


def test_code_fence_outgrows_backticks_in_content() -> None:
    block = md_code("before\n````\nafter")
    assert block.startswith("`````text\n")
    assert block.endswith("\n`````")
    assert _outside_code(block) == ""
    assert md_code(HOSTILE_MESSAGE).startswith("````")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
        ("</details><img src=https://t.example/p.gif>", "&lt;/details&gt;&lt;img src=https:"),
        ("a\n# b", "a &#35;&#8203; b"),
        ("[x](y)", "&#91;x&#93;(y)"),
        ("![](https://t.example/p.gif)", "!&#91;&#93;(https:&#8203;//t.example/p.gif)"),
        ("| cell |", "&#124; cell &#124;"),
        ("ping @team and @org/staff", "ping @&#8203;team and @&#8203;org/staff"),
        ("mail a@b.example", "mail a@&#8203;b.example"),
        ("fixes #12", "fixes &#35;&#8203;12"),
        ("see GH-7 and gh-8", "see GH&#8203;&#45;7 and gh&#8203;&#45;8"),
        ("owner/repo#1", "owner/repo&#35;&#8203;1"),
        ("go https://evil.example/x", "go https:&#8203;//evil.example/x"),
        ("go www.evil.example", "go www&#8203;.evil.example"),
        ("a & b", "a &amp; b"),
        ("&#64;team", "&amp;&#35;&#8203;64;team"),
        ("`code`", "&#96;code&#96;"),
        (
            "**bold** _em_ ~~gone~~",
            "&#42;&#42;bold&#42;&#42; &#95;em&#95; &#126;&#126;gone&#126;&#126;",
        ),
        ("$\\color{red}{x}$", "&#36;&#92;color{red}{x}&#36;"),
        # Honest twins: names read as they are.
        ("tests/test_mover.py::test_moves_images", "tests/test_mover.py::test_moves_images"),
        ("my-module 0.1.2: ok", "my-module 0.1.2: ok"),
    ],
)
def test_md_text(raw: str, escaped: str) -> None:
    assert md_text(raw).startswith(escaped)


@pytest.mark.parametrize(
    "raw",
    ["@team", "#12", "GH-12", "o/r#12", "https://x.example", "www.x.example", "a@b.example"],
)
def test_md_text_leaves_no_mention_reference_or_link(raw: str) -> None:
    """What GitHub links after Markdown (in the decoded text) never survives."""
    decoded = html.unescape(md_text(f"see {raw} now"))
    assert not re.search(r"@\w|#\d|(?i:gh-\d)|https?://|www\.|\w@\w", decoded)
    assert decoded.replace("\u200b", "") == f"see {raw} now"


#: Every string of a report that the programme writes (rubric titles and next steps) is
#: Markdown on purpose; ids, codes and kinds are the evaluator's own and link the parts of the
#: report; every other string can carry learner text.
_PROGRAMME_KEYS = {"title", "next_step", "id", "code", "kind"}
_ATTACK = "@staff #1 GH-2 o/r#3 <img src=https://t.example/p.gif> [x](https://t.example) ``` |"


def _string_paths(data: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    if isinstance(data, dict):
        return [p for k, v in data.items() if k not in _PROGRAMME_KEYS
                for p in _string_paths(v, (*path, k))]  # fmt: skip
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _string_paths(v, (*path, i))]
    return [path] if isinstance(data, str) else []


def _hostile_everywhere() -> Report:
    """The full report with the attack appended to every string the model still accepts."""
    data = full_report().model_dump(mode="json")
    for path in _string_paths(data):
        *parents, last = path
        holder = data
        for key in parents:
            holder = holder[key]
        original = holder[last]
        holder[last] = f"{original}\n{_ATTACK}"
        try:
            Report.model_validate(data)
        except ValidationError:
            holder[last] = original  # an enum, a date, a pattern: not free text
    return Report.model_validate(data)


def test_no_learner_string_anywhere_in_a_report_escapes_the_comment() -> None:
    """Not only the fields a test thought of: every string of the report carries the attack."""
    comment = render_markdown(_hostile_everywhere(), "en")
    for section in ("What to do next", "AI review", "Checks", "Failing tests", "Lint findings",
                    "Integrity findings"):  # fmt: skip
        assert f"### {section}\n" in comment  # every place learner text is shown
    assert "@staff" not in _outside_code(comment)
    outside = _outside_code(comment)
    shown = html.unescape(outside)  # the text GitHub links mentions and references in
    for linked in ("@staff", "#1", "GH-2", "o/r#3", "https://t.example", "www."):
        assert linked not in shown, linked
    assert not re.search(r"<img|\]\(https", outside)
    # No line forged: headings and rules are the template's, each table row has its 3 cells.
    honest = _outside_code(render_markdown(full_report(), "en")).splitlines()
    for line in outside.splitlines():
        if line.startswith(("#", "---", "</details>")):
            assert line in honest, line
        if line.startswith("|"):
            assert line.count("|") == 4, line
    assert "@\u200bstaff" in shown  # the attack was there, and is shown inert
