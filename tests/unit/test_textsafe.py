import json

import pytest

from evaluator.textsafe import json_visible, visible


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]0;pwned\x07", "␛]0;pwned␇"),
        ("\x1b[2J\x1b[H", "␛[2J␛[H"),
        ("ok\rverdict: graduation-ready", "ok␍verdict: graduation-ready"),
        ("abc\u202etxt.exe", "abc\\u202etxt.exe"),
        ("\u2066x\u2069 \u200f", "\\u2066x\\u2069 \\u200f"),
        ("\x9b31m", "\\u009b31m"),
        ("\x7f\x00", "␡␀"),
        ("name-\udcff\udcfe.py", "name-\\xff\\xfe.py"),
    ],
)
def test_control_characters_are_shown_not_acted_on(raw, shown):
    assert visible(raw) == shown
    assert visible(raw).encode("utf-8")  # always valid UTF-8


def test_printable_text_of_any_script_is_kept():
    text = "naïve 数据 🧑‍🏫 <b>&amp;</b>\ttab"
    assert visible(text) == text


def test_newlines_are_kept_in_logs_and_shown_in_one_line_contexts():
    assert visible("a\nb") == "a\nb"
    assert visible("a\nverdict: graduation-ready", multiline=False) == (
        "a␊verdict: graduation-ready"
    )
    assert visible("a\tb", multiline=False) == "a␉b"


def test_json_visible_escapes_without_changing_the_data():
    data = {"message": "x\u202ey \x9b z \u2028", "emoji": "🧑‍🏫", "esc": "\x1b"}
    text = json_visible(json.dumps(data, ensure_ascii=False))
    assert json.loads(text) == data
    assert "\u202e" not in text
    assert "\x9b" not in text
    assert "\x1b" not in text
    assert "🧑‍🏫" in text
