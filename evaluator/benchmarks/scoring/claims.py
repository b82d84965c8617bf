"""Claim check: the metric a learner states (results file or README) against the measured one.

Pure: text in, :class:`ClaimCheck` out. A results file (``benchmark.results``
in capstone.yaml, JSON or YAML) wins over the README; in a README the first
line that names the metric next to a number is taken.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from typing import Any

import yaml

#: Metrics bounded in [0, 1]: a claim above 1 is read as a percentage; the gap is absolute.
BOUNDED = frozenset({"accuracy", "f1", "auc"})
#: How each metric may be written in prose.
SPELLINGS: dict[str, str] = {
    "accuracy": r"accuracy|acc\.?",
    "f1": r"(?:macro[- ])?f1(?:[- ]score)?",
    "auc": r"(?:roc[- ])?auc",
    "perplexity": r"perplexity|ppl",
    "bits_per_char": r"bits[ _-]per[ _-]char(?:acter)?|bpc",
    "rmse": r"rmse",
    "rmsle": r"rmsle",
    "percentile": r"percentile|top",
}
MAX_TEXT = 200_000


@dataclass(frozen=True, kw_only=True)
class Claim:
    """A metric value the learner states, and where."""

    value: float
    source: str
    text: str


@dataclass(frozen=True, kw_only=True)
class ClaimCheck:
    """Claimed vs measured, and whether the gap is beyond the tolerance."""

    metric: str
    claimed: float
    measured: float
    gap: float
    tolerance: float
    flagged: bool
    source: str
    text: str

    def as_details(self) -> dict[str, Any]:
        """JSON-ready form for ``details.claim`` of the benchmark check."""
        return asdict(self)


def _normalise(metric: str, value: float, percent: bool) -> float:
    if metric in BOUNDED and (percent or value > 1.0):
        return value / 100.0
    return value


_VALUE = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?)(?![\d,]*\d)(?!\.\d)\s*(%?)")


def _plausible(metric: str, number: str, percent: str) -> bool:
    # "10,000 images" or "3 epochs" next to "accuracy" are not the claim; 98.3% or 0.97 are.
    if metric not in BOUNDED:
        return True
    value = float(number)
    return bool(percent) or value <= 1.0 or ("." in number and value <= 100.0)


def claim_in_text(metric: str, text: str, source: str) -> Claim | None:
    """The first line naming ``metric`` with a plausible number after (or just before) it."""
    name = re.compile(rf"\b(?:{SPELLINGS.get(metric, re.escape(metric))})\b", re.IGNORECASE)
    for line in text[:MAX_TEXT].splitlines():
        mention = name.search(line)
        if mention is None:
            continue
        after = [m for m in _VALUE.finditer(line, mention.end()) if _plausible(metric, *m.groups())]
        before = [
            m
            for m in _VALUE.finditer(line[: mention.start()])
            if mention.start() - m.end() <= 12 and _plausible(metric, *m.groups())
        ]
        found = after[0] if after else (before[-1] if before else None)
        if found is None:
            continue
        return Claim(
            value=_normalise(metric, float(found.group(1)), found.group(2) == "%"),
            source=source,
            text=line.strip()[:200],
        )
    return None


def claim_in_results(metric: str, text: str, source: str) -> Claim | None:
    """``metric`` from a JSON/YAML results file (top level, or under ``metrics:``)."""
    try:
        data = json.loads(text) if source.endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        return None
    if not isinstance(data, dict):
        return None
    for mapping in (data, data.get("metrics"), data.get("test")):
        if isinstance(mapping, dict) and isinstance(mapping.get(metric), int | float):
            value = float(mapping[metric])
            return Claim(
                value=_normalise(metric, value, False),
                source=source,
                text=f"{metric}: {value:g}",
            )
    return None


def check_claim(metric: str, claim: Claim, measured: float, tolerance: float) -> ClaimCheck:
    """Compare; the gap is absolute for bounded metrics, relative for the others."""
    if metric in BOUNDED:
        gap = abs(claim.value - measured)
    else:
        gap = abs(claim.value - measured) / max(abs(measured), 1e-12)
    return ClaimCheck(
        metric=metric,
        claimed=claim.value,
        measured=measured,
        gap=round(gap, 6) if math.isfinite(gap) else gap,
        tolerance=tolerance,
        flagged=not gap <= tolerance,
        source=claim.source,
        text=claim.text,
    )
