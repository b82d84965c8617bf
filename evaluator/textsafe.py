"""Learner text made visible and inert wherever it is shown: terminal, Markdown, HTML, logs.

A file name, a YAML key or a test's output can carry terminal escape sequences
(retitle the terminal, clear the screen, move the cursor to forge a line), a
carriage return that overwrites a line, or right-to-left overrides that make
text read differently than it is. :func:`visible` replaces each such character
with a visible stand-in, so the mentor sees that it is there and the terminal or
browser never acts on it. Printable text of every script, emoji included, is
kept as it is.
"""

from __future__ import annotations

import re

#: Bidirectional controls (embeddings, overrides, isolates, marks) and the line
#: and paragraph separators: each can make text read differently than it is.
_BIDI_AND_SEPARATORS = "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
#: C0 controls (tab and newline are handled apart), DEL, C1 controls (0x9b is a
#: CSI on many terminals), bidirectional controls, and lone surrogates (file
#: names that are not UTF-8, decoded with surrogateescape).
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_AND_SEPARATORS}\ud800-\udfff]")
_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_AND_SEPARATORS}\ud800-\udfff]")
#: In JSON text: the characters JSON leaves unescaped that a terminal or editor acts on.
_UNSAFE_JSON = re.compile(f"[\x7f-\x9f{_BIDI_AND_SEPARATORS}]")

_CONTROL_PICTURES = 0x2400  # U+2400..U+241F picture the C0 controls: ESC is shown as ␛
_DELETE_PICTURE = "\u2421"  # ␡


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(_CONTROL_PICTURES + code)
    if code == 0x7F:
        return _DELETE_PICTURE
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: object, *, multiline: bool = True) -> str:
    """``text`` with every control character shown, never acted on (pure).

    ESC becomes ``␛``, carriage return ``␍``, a right-to-left override the six
    characters ``\\u202e``, a non-UTF-8 byte ``\\xff``. Tabs are kept; newlines
    are kept when ``multiline``, else shown as ``␊`` so one value stays one line
    (a learner's text must not start a line of its own in a terminal summary).
    The result is always valid UTF-8.
    """
    pattern = _UNSAFE if multiline else _UNSAFE_LINE
    return pattern.sub(_stand_in, str(text))


def json_visible(json_text: str) -> str:
    """JSON text whose strings escape what JSON leaves raw: C1 and bidirectional controls (pure).

    The result parses to the very same data (``\\u202e`` is the same string in
    JSON), so report.json stays exact while a terminal or editor showing it is
    safe. C0 controls such as ESC are always escaped by JSON itself.
    """
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)
