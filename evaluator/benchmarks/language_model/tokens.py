"""Token ids from the learner's tokenizer, checked on the host (pure numpy; no Docker).

The encode step is the only one that sees the held-out text. What it returns is
checked here: ids in range, every text tokenised, no absurd token counts. The
decode step must then give every text back exactly from the ids alone, so the
ids carry the whole text and nothing is thrown away. The host cuts the ids into
scoring windows itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: More tokens than this per byte of text is no tokenizer (a byte is at most 8 bits).
MAX_TOKENS_PER_BYTE = 16
MAX_VOCAB = 10_000_000


class TokensInvalid(ValueError):
    """The tokenizer's output cannot be scored; the message says why, for the learner."""


@dataclass(frozen=True, kw_only=True)
class Encoded:
    """Token ids of every held-out text, checked."""

    ids: NDArray[np.int64]
    offsets: NDArray[np.int64]
    """Text k's ids are ``ids[offsets[k]:offsets[k + 1]]``."""
    vocab_size: int

    def of(self, text: int) -> NDArray[np.int64]:
        """The ids of one text."""
        return self.ids[self.offsets[text] : self.offsets[text + 1]]

    @property
    def texts(self) -> int:
        """How many texts were encoded."""
        return len(self.offsets) - 1


@dataclass(frozen=True, kw_only=True)
class Windows:
    """Scoring windows cut from the ids: each token but a text's first is predicted once."""

    grid: NDArray[np.int64]
    """(W, T) token ids; positions at or beyond ``lengths`` are padding (0)."""
    lengths: NDArray[np.int64]


def check_encoded(
    ids: NDArray[Any], offsets: NDArray[Any], *, vocab_size: object, text_bytes: Sequence[int]
) -> Encoded:
    """Validate what encode returned for texts of ``text_bytes`` bytes each."""
    if not isinstance(vocab_size, int) or isinstance(vocab_size, bool):
        raise TokensInvalid(f"vocab_size is {vocab_size!r}; it must be an integer")
    if not 2 <= vocab_size <= MAX_VOCAB:
        raise TokensInvalid(f"vocab_size is {vocab_size}; a language model needs 2..{MAX_VOCAB}")
    if ids.ndim != 1 or offsets.shape != (len(text_bytes) + 1,):
        raise TokensInvalid("encode's output does not hold one list of ids per text")
    if not (np.issubdtype(ids.dtype, np.integer) and np.issubdtype(offsets.dtype, np.integer)):
        raise TokensInvalid("token ids must be integers")
    counts = np.diff(offsets)
    if offsets[0] != 0 or offsets[-1] != len(ids) or (counts < 0).any():
        raise TokensInvalid("encode's output does not hold one list of ids per text")
    if (counts == 0).any():
        raise TokensInvalid(f"encode returned no tokens for text {int(np.argmin(counts))}")
    if len(ids) and (ids.min() < 0 or ids.max() >= vocab_size):
        raise TokensInvalid(
            f"token ids reach {ids.min()}..{ids.max()}, outside 0..{vocab_size - 1} (vocab_size)"
        )
    if len(ids) > MAX_TOKENS_PER_BYTE * sum(text_bytes):
        raise TokensInvalid(
            f"encode turned {sum(text_bytes)} bytes into {len(ids)} tokens, more than "
            f"{MAX_TOKENS_PER_BYTE} per byte"
        )
    return Encoded(
        ids=ids.astype(np.int64), offsets=offsets.astype(np.int64), vocab_size=vocab_size
    )


def round_trip_problem(texts: Sequence[str], decoded: object) -> str | None:
    """Why decode did not give every text back exactly, or None when it did."""
    if not isinstance(decoded, list) or len(decoded) != len(texts):
        return "decode did not return one text per encoded text"
    for index, (want, got) in enumerate(zip(texts, decoded, strict=True)):
        if not isinstance(got, str):
            return f"decode returned {type(got).__name__} for text {index}, expected str"
        if got != want:
            at = next((i for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b), None)
            at = min(len(want), len(got)) if at is None else at
            return (
                f"decode(encode(text)) differs from held-out text {index} at character {at}: "
                f"expected {want[at : at + 20]!r}, got {got[at : at + 20]!r} "
                f"({len(want)} vs {len(got)} characters)"
            )
    return None


def cut_windows(encoded: Encoded, context: int) -> Windows:
    """Windows of ``context`` tokens overlapping by one, per text (texts never share one)."""
    step = context - 1
    rows: list[NDArray[np.int64]] = []
    for text in range(encoded.texts):
        ids = encoded.of(text)
        rows.extend(ids[i : i + context] for i in range(0, max(len(ids) - 1, 1), step))
    rows = [row for row in rows if len(row) >= 2]
    grid = np.zeros((len(rows), context), dtype=np.int64)
    for i, row in enumerate(rows):
        grid[i, : len(row)] = row
    return Windows(grid=grid, lengths=np.array([len(r) for r in rows], dtype=np.int64))
