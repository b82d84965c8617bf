"""Pairwise similarity of submissions of one capstone, for mentors to look at.

copydetect does the work: it tokenises Python with Pygments (names become ``V``/``F``,
strings ``S``, comments and layout vanish, so renamed variables do not hide a copy),
hashes k-grams and winnows them (Schleimer et al., the method of MOSS and Dolos), so
reordered functions still share their fingerprints. Fingerprints that occur in the
capstone's starter code are dropped first. Each submission is its Python files
joined in path order; the matching regions come back highlighted, HTML-escaped.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from markupsafe import Markup

NOISE_TOKENS = 25
"""k: matches shorter than this many tokens are noise (copydetect's default)."""
GUARANTEE_TOKENS = 30
"""Matches this long are always found (sets the winnowing window: 30 - 25 + 1)."""
DEFAULT_THRESHOLD = 0.6
CONTEXT_LINES = 8
_MARK = ('<mark class="match">', "</mark>")


@dataclass(frozen=True, kw_only=True)
class Submission:
    """One learner's latest source files for a capstone."""

    learner: str
    evaluation_id: int
    files: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class SimilarPair:
    """Two submissions whose shared fingerprints pass the threshold."""

    left: str
    right: str
    left_share: float
    """Share of the left submission's fingerprinted tokens found in the right one."""
    right_share: float
    left_html: Markup
    """The left submission with the matching regions in ``<mark>``, around them only."""
    right_html: Markup

    @property
    def similarity(self) -> float:
        """The larger share: how much of one submission the other contains."""
        return max(self.left_share, self.right_share)


def joined(files: Mapping[str, str]) -> str:
    """The submission as one Python document, each file under a comment naming it."""
    return "\n".join(f"# ---- {path} ----\n{files[path]}" for path in sorted(files))


def _fingerprint(text: str, boilerplate: npt.NDArray[np.int64]) -> object:
    from copydetect import CodeFingerprint

    window = GUARANTEE_TOKENS - NOISE_TOKENS + 1
    return CodeFingerprint(
        "submission.py", NOISE_TOKENS, window, boilerplate=boilerplate, fp=io.StringIO(text)
    )


def boilerplate_hashes(files: Mapping[str, str]) -> npt.NDArray[np.int64]:
    """Fingerprints of the capstone's starter code (ignored in every comparison)."""
    if not files:
        return np.array([], dtype=np.int64)
    starter = _fingerprint(joined(files), np.array([], dtype=np.int64))
    return np.array(sorted(starter.hashes), dtype=np.int64)  # type: ignore[attr-defined]


def _highlight(text: str, slices: npt.NDArray[np.int64]) -> Markup:
    from copydetect.utils import highlight_overlap

    html, _ = highlight_overlap(text, slices, *_MARK, truncate=CONTEXT_LINES, escape_html=True)
    return Markup(html)  # noqa: S704  (highlight_overlap escaped the code; only <mark> is ours)


def similar_pairs(
    submissions: Sequence[Submission],
    *,
    starter: Mapping[str, str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[SimilarPair]:
    """Pairs whose similarity is at or above ``threshold``, most similar first."""
    from copydetect.detector import compare_files

    skip = boilerplate_hashes(starter or {})
    texts = {s.learner: joined(s.files) for s in submissions}
    prints = {learner: _fingerprint(text, skip) for learner, text in texts.items()}
    found = []
    for left, right in itertools.combinations(sorted(prints), 2):
        _, (left_share, right_share), (left_slices, right_slices) = compare_files(
            prints[left], prints[right]
        )
        if max(left_share, right_share) < threshold or not len(left_slices):
            continue
        found.append(
            SimilarPair(
                left=left,
                right=right,
                left_share=float(left_share),
                right_share=float(right_share),
                left_html=_highlight(texts[left], left_slices),
                right_html=_highlight(texts[right], right_slices),
            )
        )
    return sorted(found, key=lambda pair: -pair.similarity)
