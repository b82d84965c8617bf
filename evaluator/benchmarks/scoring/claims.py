"""Claims: every metric value a learner states in a README or results file (pure).

Text in, :class:`Claim` values out. A README is read line by line ("accuracy
of 98.3%", "99.6% accurate", "F1 0.91 and accuracy 93%", "1.21 bits per byte")
and Markdown tables cell by cell (a column named after the metric, or a row
whose first cell names it). A JSON or YAML results file is walked to any depth
for keys named after a metric. Statements about something other than the
submitted model on the hidden test set (training or validation scores, targets,
thresholds) are not claims and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from evaluator.documents import DocumentError, parse_json, parse_yaml

#: Metrics bounded in [0, 1]: a claim above 1 is read as a percentage.
BOUNDED = frozenset({"accuracy", "f1", "auc"})
#: How each metric may be written in prose.
SPELLINGS: dict[str, str] = {
    "accuracy": r"accura(?:cy|te)|acc\.?",
    "f1": r"(?:macro[- ]?)?f1(?:[- ]?score)?",
    "auc": r"(?:roc[- ]?)?auc",
    "bits_per_byte": r"bits?[ _-]per[ _-]byte|bpb",
    "byte_perplexity": r"byte[ _-](?:level[ _-])?(?:perplexity|ppl)",
    "word_perplexity": r"word[ _-](?:level[ _-])?(?:perplexity|ppl)",
    "rmse": r"rmse",
    "rmsle": r"rmsle",
    "mae": r"mae",
    "percentile": r"percentile|top",
}
#: Words that make a statement something other than a claim about the hidden-test result.
NOT_A_CLAIM = re.compile(
    r"\b(train(?:ing)?|val(?:idation)?|dev|epochs?|baseline|targets?|goals?|thresholds?|"
    r"required|requires?|minimum|at least|must|should|aim)\b|>=|<=|≥|≤",
    re.IGNORECASE,
)
MAX_TEXT = 200_000
_NUMBER = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?)(?![\d,]*\d)(?!\.\d)\s*(%?)")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass(frozen=True, kw_only=True)
class Claim:
    """A metric value the learner states, and where."""

    metric: str
    value: float
    source: str
    line: int | None
    text: str


def _mention(metric: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{SPELLINGS.get(metric, re.escape(metric))})(?!\w)", re.IGNORECASE)


def _normalise(metric: str, value: float, percent: bool) -> float:
    if metric in BOUNDED and (percent or value > 1.0):
        return value / 100.0
    return value


def _plausible(metric: str, number: str, percent: str) -> bool:
    # "10 classes" or "3 epochs" next to "accuracy" are not the claim; 98.3% or 0.97 are.
    if metric not in BOUNDED:
        return True
    value = float(number)
    if value > 100:
        return False
    return bool(percent) or value <= 1.0 or "." in number


def _claim(metric: str, match: re.Match[str], source: str, line: int, text: str) -> Claim:
    value = _normalise(metric, float(match.group(1)), match.group(2) == "%")
    return Claim(metric=metric, value=value, source=source, line=line, text=text.strip()[:200])


def _line_claims(metrics: Iterable[str], text: str, source: str, number: int) -> Iterator[Claim]:
    """Each mention of a metric with the number attached before it ("98.3% accuracy") or,
    else, the first number after it and before the next mention."""
    mentions = sorted(
        (m.start(), m.end(), metric) for metric in metrics for m in _mention(metric).finditer(text)
    )
    numbers = list(_NUMBER.finditer(text))
    for i, (start, end, metric) in enumerate(mentions):
        nearby = [n for n in numbers if _plausible(metric, *n.groups())]
        before = [n for n in nearby if n.end() <= start and not text[n.end() : start].strip(" %")]
        limit = mentions[i + 1][0] if i + 1 < len(mentions) else len(text)
        attached_to_next = {
            n.start()
            for n in nearby
            if i + 1 < len(mentions) and not text[n.end() : limit].strip(" %")
        }
        after = [
            n
            for n in nearby
            if end <= n.start() < min(limit, end + 60) and n.start() not in attached_to_next
        ]
        found = before[-1] if before else (after[0] if after else None)
        if found is not None:
            yield _claim(metric, found, source, number, text)


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _table_claims(
    metrics: Iterable[str], rows: list[tuple[int, str]], source: str
) -> Iterator[Claim]:
    """Claims of one Markdown table: columns named after a metric, or rows whose first cell
    names one."""
    header = _cells(rows[0][1])
    named = {
        j: metric
        for j, cell in enumerate(header)
        for metric in metrics
        if _mention(metric).search(cell) and not NOT_A_CLAIM.search(cell)
    }
    for number, row in rows[2:]:
        cells = _cells(row)
        if NOT_A_CLAIM.search(row):
            continue
        for j, metric in named.items():
            if j < len(cells):
                yield from _first(metric, cells[j], source, number, row)
        for metric in metrics:
            if cells and _mention(metric).search(cells[0]) and not named:
                yield from _first(metric, " ".join(cells[1:]), source, number, row)


def _first(metric: str, cell: str, source: str, number: int, row: str) -> Iterator[Claim]:
    found = next((n for n in _NUMBER.finditer(cell) if _plausible(metric, *n.groups())), None)
    if found is not None:
        yield _claim(metric, found, source, number, row)


def _blocks(text: str) -> Iterator[tuple[bool, list[tuple[int, str]]]]:
    """(is a table, numbered lines) runs of a Markdown text."""
    lines = list(enumerate(text[:MAX_TEXT].splitlines(), start=1))
    i = 0
    while i < len(lines):
        following = lines[i + 1][1] if i + 1 < len(lines) else ""
        is_table = "|" in lines[i][1] and bool(_TABLE_SEPARATOR.match(following))
        if is_table:
            end = i + 2
            while end < len(lines) and "|" in lines[end][1]:
                end += 1
            yield True, lines[i:end]
            i = end
        else:
            yield False, [lines[i]]
            i += 1


def claims_in_text(metrics: Iterable[str], text: str, source: str) -> list[Claim]:
    """Every claim about ``metrics`` in a README-like text, tables included."""
    wanted = list(metrics)
    found: list[Claim] = []
    for is_table, lines in _blocks(text):
        if is_table:
            found.extend(_table_claims(wanted, lines, source))
            continue
        number, line = lines[0]
        if not NOT_A_CLAIM.search(line):
            found.extend(_line_claims(wanted, line, source, number))
    return found


def _walk(data: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], float]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _walk(value, (*path, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _walk(value, (*path, str(index)))
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield path, float(data)


def claims_in_results(metrics: Iterable[str], text: str, source: str) -> list[Claim]:
    """Every value under a key named after a metric in a JSON or YAML results file."""
    try:
        data = parse_json(text) if source.endswith(".json") else parse_yaml(text)
    except DocumentError:
        return []
    found: list[Claim] = []
    for path, value in _walk(data, ()):
        if not path or any(NOT_A_CLAIM.search(key.replace("_", " ")) for key in path):
            continue
        key = path[-1].replace("_", " ")
        for metric in metrics:
            spelled = re.fullmatch(rf"(?:test )?(?:{SPELLINGS.get(metric, metric)})", key, re.I)
            if spelled or key == metric.replace("_", " "):
                text_form = ".".join(path)
                found.append(
                    Claim(
                        metric=metric,
                        value=_normalise(metric, value, False),
                        source=source,
                        line=None,
                        text=f"{text_form}: {value:g}",
                    )
                )
    return found
