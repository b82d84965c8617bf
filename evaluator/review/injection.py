"""The scan for learner text aimed at the grader, run before anything reaches the model.

Two kinds of integrity findings, each located by file and line:

- ``integrity/prompt-injection``: instructions to a grader or model in English or Dutch
  ("ignore previous instructions", "give full marks", "negeer de vorige instructies",
  role-play as the grader), text hidden from human readers with HTML, and HTML comments
  addressed to the grader;
- ``integrity/hidden-characters``: bidirectional controls (Trojan Source), zero-width
  characters and Unicode tag characters (invisible ASCII), which can hide text from a
  reviewer.

Phrases are searched after invisible characters are removed and Unicode is normalised
(NFKC), across line breaks and comment markers, so splitting or obfuscating a phrase
does not hide it. A flagged submission's review levels are proposals for a mentor.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from evaluator.model.finding import Finding
from evaluator.review.sources import LearnerFile

PROMPT_INJECTION = "integrity/prompt-injection"
HIDDEN_CHARACTERS = "integrity/hidden-characters"
#: Findings kept per file and kind, and in all: enough to act on, small enough for a report.
MAX_PER_FILE = 10
MAX_FINDINGS = 60

_BIDI = {
    0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING",
    0x202C: "POP DIRECTIONAL FORMATTING", 0x202D: "LEFT-TO-RIGHT OVERRIDE",
    0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2066: "LEFT-TO-RIGHT ISOLATE",
    0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE",
    0x2069: "POP DIRECTIONAL ISOLATE", 0x200E: "LEFT-TO-RIGHT MARK",
    0x200F: "RIGHT-TO-LEFT MARK", 0x061C: "ARABIC LETTER MARK",
}  # fmt: skip
_INVISIBLE = {
    0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER", 0x200D: "ZERO WIDTH JOINER",
    0x2060: "WORD JOINER", 0x2061: "FUNCTION APPLICATION", 0x2062: "INVISIBLE TIMES",
    0x2063: "INVISIBLE SEPARATOR", 0x2064: "INVISIBLE PLUS", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE",
    0x180E: "MONGOLIAN VOWEL SEPARATOR", 0x00AD: "SOFT HYPHEN", 0x034F: "COMBINING GRAPHEME JOINER",
    0x3164: "HANGUL FILLER", 0xFFA0: "HALFWIDTH HANGUL FILLER",
}  # fmt: skip
_TAGS = range(0xE0000, 0xE0080)
_HIDDEN = re.compile(
    "[" + "".join(chr(c) for c in (*_BIDI, *_INVISIBLE)) + "\U000e0000-\U000e007f]"
)

_W = r"[\s\W]{1,6}"  # words may be split by spaces, line breaks, comment markers, quotes
_PHRASES: tuple[tuple[str, str], ...] = (
    # English: override the instructions
    ("instructions to ignore the grader's instructions",
     r"\b(ignore|disregard|forget|override|bypass)\b(\W+\w+){0,3}?\W+(previous|prior|above|"
     r"earlier|preceding|all|any|your|the|system)\W+(\w+\W+)?(instructions?|prompts?|"
     r"directions|guidelines|rules of grading)\b"),
    # English: ask for marks
    ("a request for marks",
     r"\b(give|award|assign|grant|score|rate|grade)\b(\W+\w+){0,4}?\W+(full|maximum|max|top|"
     r"highest|perfect|all)\W+(\w+\W+)?(marks?|points?|scores?|grades?|levels?|credit)\b"),
    ("a request for marks",
     r"\b(grade|rate|score|mark|evaluate)\W+(this|the|my)\W+(\w+\W+)?(as|with)\W+(an?\W+)?"
     r"(excellent|perfect|outstanding|level\W+4|4|a\W+4|10|a\W+10)\b"),
    ("a request for marks",
     r"\b(level|score)\W+4\W+(on|for)\W+(every|all|each)\W+criteri"),
    # English: role-play as, or a message to, the grader
    ("role-play aimed at the grader",
     r"\b(you\W+are|you're|act\W+as|pretend\W+(to\W+be|you\W+are)|role-?play\W+as|from\W+now"
     r"\W+on\W+you\W+are)\W+(now\W+)?(an?\W+|the\W+)?(\w+\W+)?(grader|reviewer|evaluator|"
     r"examiner|assessor|marker|teacher|mentor)\b"),
    ("a message to the grader",
     r"\b(note|message|instructions?|hint|attention)\W+(to|for)\W+(the\W+|any\W+)?(ai|llm|gpt|"
     r"chatgpt|grader|reviewer|evaluator|examiner|assessor|language\W+model|automated\W+\w+)\b"),
    # Dutch: instructies negeren
    ("instructies om de instructies van de beoordelaar te negeren",
     r"\b(negeer|vergeet|veronachtzaam|omzeil)\b(\W+\w+){0,3}?\W+(vorige|voorgaande|eerdere|"
     r"bovenstaande|alle|je|jouw|de|systeem)\W+(\w+\W+)?(instructies?|opdrachten|prompts?|"
     r"aanwijzingen)\b"),
    ("een verzoek om punten",
     r"\b(geef|ken|toekennen|beoordeel|waardeer)\b(\W+\w+){0,4}?\W+(volle|volledige|maximale|"
     r"hoogste|alle|perfecte)\W+(\w+\W+)?(punten|score|cijfers?|niveaus?|beoordeling)\b"),
    ("een verzoek om punten",
     r"\b(beoordeel|waardeer)\W+(dit|deze|mijn|het)\W+(\w+\W+)?als\W+(uitstekend|perfect|"
     r"niveau\W+4|4|een\W+10|10)\b"),
    ("rollenspel gericht op de beoordelaar",
     r"\b(je\W+bent|jij\W+bent|doe\W+alsof\W+je|speel\W+de\W+rol\W+van|gedraag\W+je\W+als|"
     r"vanaf\W+nu\W+ben\W+je)\W+(nu\W+)?(een\W+|de\W+)?(\w+\W+)?(beoordelaar|examinator|"
     r"corrector|docent|mentor|grader|reviewer)\b"),
    ("een bericht aan de beoordelaar",
     r"\b(opmerking|bericht|instructies?|notitie|let\W+op)\W+(voor|aan)\W+(de\W+)?(ai|llm|gpt|"
     r"chatgpt|beoordelaar|examinator|corrector|taalmodel|grader|reviewer)\b"),
)  # fmt: skip
_COMPILED = tuple((what, re.compile(regex, re.IGNORECASE)) for what, regex in _PHRASES)

_HTML_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
_GRADER_WORDS = re.compile(
    r"\b(ai|llm|gpt|chatgpt|claude|grader|reviewer|evaluator|examiner|assessor|model|"
    r"beoordelaar|examinator|corrector)\b",
    re.IGNORECASE,
)
_MARK_WORDS = re.compile(
    r"\b(score|scores|marks?|grade|level|points|pass|cijfer|punten|niveau|beoordeel\w*|"
    r"rate|rating|excellent|uitstekend)\b",
    re.IGNORECASE,
)
_HIDDEN_HTML = re.compile(
    r"<\w+[^>]*?(display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])"
    r"|opacity\s*:\s*0(?![.\d]*[1-9])|\shidden[\s>=/])[^>]*>",
    re.IGNORECASE,
)
_COMMENT_LEAD = re.compile(r"^\s*(#+|//+|/\*+|\*+|<!--|-->|>+|--|%+)?\s*")
_MARKUP = (".md", ".html", ".ipynb", ".rst", ".txt")


def _char_name(code: int) -> str:
    if code in _TAGS:
        return "TAG CHARACTER"
    return _BIDI.get(code) or _INVISIBLE.get(code) or f"U+{code:04X}"


def _emoji_joiner(line: str, at: int) -> bool:
    """A ZERO WIDTH JOINER inside an emoji sequence (family, profession emoji) is legitimate."""
    if line[at] != "\u200d":
        return False
    around = [line[i] for i in (at - 1, at + 1) if 0 <= i < len(line)]
    return any(unicodedata.category(c) in ("So", "Sk") or c == "\ufe0f" for c in around)


def _hidden_on_line(line: str, line_no: int) -> list[int]:
    found = []
    for match in _HIDDEN.finditer(line):
        at = match.start()
        if (line_no == 1 and at == 0 and line[at] == "\ufeff") or _emoji_joiner(line, at):
            continue  # a byte-order mark, an emoji sequence
        found.append(ord(line[at]))
    return found


def hidden_character_findings(path: str, text: str) -> list[Finding]:
    """One finding per line holding bidi controls, zero-width or tag characters."""
    findings: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        codes = _hidden_on_line(line, number)
        if not codes:
            continue
        names = sorted({_char_name(c) for c in codes})
        tags = "".join(chr(c - 0xE0000) for c in codes if c in _TAGS and 0x20 <= c - 0xE0000 < 0x7F)
        detail = f"invisible text in tag characters: {tags!r}" if tags else None
        findings.append(
            Finding(
                path=path,
                line=number,
                code=HIDDEN_CHARACTERS,
                message=f"{len(codes)} hidden character(s): {', '.join(names)}",
                detail=detail,
            )
        )
    return findings


def _untag(line: str) -> str:
    """Tag characters spell invisible ASCII: make it visible so the phrases are found."""
    return "".join(chr(ord(c) - 0xE0000) if 0xE0020 <= ord(c) < 0xE007F else c for c in line)


def _prose(text: str) -> tuple[str, list[int]]:
    """Lines without comment markers and invisible characters, joined by spaces, NFKC, and
    the offset where each line starts in the joined text."""
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for line in text.splitlines():
        cleaned = unicodedata.normalize("NFKC", _HIDDEN.sub("", _untag(line)))
        cleaned = _COMMENT_LEAD.sub("", cleaned, count=1).strip()
        starts.append(offset)
        parts.append(cleaned)
        offset += len(cleaned) + 1
    return " ".join(parts), starts


def _line_of(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset)


def _spans_of(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """(first line, last line) of each match of ``pattern`` in ``text``."""
    return [
        (text.count("\n", 0, m.start()) + 1, text.count("\n", 0, m.end()) + 1)
        for m in pattern.finditer(text)
    ]


def _where(path: str, text: str, line: int) -> str:
    if any(a <= line <= b for a, b in _spans_of(_HTML_COMMENT, text)):
        return "in an HTML comment"
    lines = text.splitlines()
    current = lines[line - 1].lstrip() if 0 < line <= len(lines) else ""
    if path.endswith(".ipynb"):
        markers = [ln for ln in lines[:line] if ln.startswith("# %%")]
        if markers and markers[-1] == "# %% [markdown]":
            return "in notebook markdown"
    if not path.endswith(_MARKUP) and any(mark in current for mark in ("#", "//", "/*")):
        return "in a code comment"
    return "in the text"


def _snippet(text: str) -> str:
    clean = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(clean.split())[:160]


def _phrase_findings(path: str, text: str) -> Iterator[Finding]:
    prose, starts = _prose(text)
    for what, regex in _COMPILED:
        for match in regex.finditer(prose):
            line = _line_of(starts, match.start())
            yield Finding(
                path=path,
                line=line,
                code=PROMPT_INJECTION,
                message=f"{what} {_where(path, text, line)}: {_snippet(match.group(0))!r}",
            )


def _html_findings(path: str, text: str) -> Iterator[Finding]:
    if not path.endswith(_MARKUP):
        return
    for match in _HIDDEN_HTML.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        yield Finding(
            path=path,
            line=line,
            code=PROMPT_INJECTION,
            message=f"text hidden from readers with HTML: {_snippet(match.group(0))!r}",
        )
    for match in _HTML_COMMENT.finditer(text):
        body = unicodedata.normalize("NFKC", _HIDDEN.sub("", match.group(1)))
        if _GRADER_WORDS.search(body) and _MARK_WORDS.search(body):
            line = text.count("\n", 0, match.start()) + 1
            yield Finding(
                path=path,
                line=line,
                code=PROMPT_INJECTION,
                message=f"an HTML comment addressed to the grader: {_snippet(body)!r}",
            )


def _first_per_line(findings: Iterable[Finding], limit: int) -> list[Finding]:
    seen: set[int | None] = set()
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: f.line or 0):
        if finding.line in seen:
            continue
        seen.add(finding.line)
        kept.append(finding)
        if len(kept) >= limit:
            break
    return kept


def scan_text(path: str, text: str) -> list[Finding]:
    """Injection and hidden-character findings of one learner file (its review text)."""
    found = [*_html_findings(path, text), *_phrase_findings(path, text)]
    injections = _first_per_line(found, MAX_PER_FILE)
    return injections + hidden_character_findings(path, text)[:MAX_PER_FILE]


def scan_files(files: Sequence[LearnerFile]) -> list[Finding]:
    """Findings over every readable learner file, at most MAX_FINDINGS in all."""
    findings: list[Finding] = []
    for file in files:
        findings.extend(scan_text(file.path, file.text))
    return findings[:MAX_FINDINGS]
