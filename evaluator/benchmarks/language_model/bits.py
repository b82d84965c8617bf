"""Bits per byte and perplexities, from byte and word counts the host knows (pure).

Every byte of the held-out text is charged: the ids carry the whole text (decode
gave it back exactly), each token after a text's first is predicted once by the
scoring step, and the first token of each text, which nothing predicts, costs
log2(vocab_size) bits. The per-token perplexity of the learner's own tokenizer
is not reported: a tokenizer that splits text into many easy tokens would
lower it without modelling anything.

``word_perplexity``, ``byte_perplexity`` and ``bits_per_byte`` follow
lm-evaluation-harness (wikitext): words are ``len(re.split(r"\\s+", text))``,
bytes are UTF-8 bytes, and each is the total log-likelihood over the total count.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import entropy

from evaluator.benchmarks.language_model.audit import Scored

_WHITESPACE = re.compile(r"\s+")
#: Row index of the "start of text" context in the bigram table.
_START = 256


@dataclass(frozen=True, kw_only=True)
class TextCounts:
    """What the host counts in the held-out text."""

    texts: int
    bytes: int
    words: int


@dataclass(frozen=True, kw_only=True)
class Bits:
    """The model's total code length of the held-out text, and the measures derived from it."""

    total_bits: float
    counts: TextCounts

    @property
    def bits_per_byte(self) -> float:
        """Bits per UTF-8 byte."""
        return self.total_bits / self.counts.bytes

    @property
    def byte_perplexity(self) -> float:
        """2 ** bits per byte."""
        return float(2.0**self.bits_per_byte)

    @property
    def word_perplexity(self) -> float:
        """2 ** (bits per whitespace-separated word)."""
        return float(2.0 ** (self.total_bits / self.counts.words))


def count_text(texts: Sequence[str]) -> TextCounts:
    """Texts, UTF-8 bytes and words (lm-evaluation-harness's word count) of the held-out text."""
    return TextCounts(
        texts=len(texts),
        bytes=sum(len(t.encode("utf-8")) for t in texts),
        words=sum(len(_WHITESPACE.split(t)) for t in texts),
    )


def model_bits(scored: Scored, counts: TextCounts) -> Bits:
    """Total bits: every predicted token's -log2 p, plus log2(V) for each text's first token."""
    nats = -float(np.nansum(scored.gathered))
    first_tokens = counts.texts * math.log2(scored.vocab_size)
    return Bits(total_bits=nats / math.log(2) + first_tokens, counts=counts)


def byte_bigram_bits_per_byte(texts: Sequence[str]) -> float:
    """The held-out text's own byte-bigram entropy, in bits per byte.

    The conditional entropy of each byte given the byte before it (the first byte
    of a text given a start symbol), with the bigram counted on this very text: the
    code length of the best byte-bigram model for it, trained on the answers. A
    language model that does not beat it has learnt less than byte pairs.
    """
    pairs = []
    for text in texts:
        data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)
        if len(data):
            previous = np.concatenate([[_START], data[:-1]])
            pairs.append(previous * 256 + data)
    if not pairs:
        raise ValueError("no held-out text to measure")
    codes = np.concatenate(pairs)
    table = np.bincount(codes, minlength=(_START + 1) * 256).reshape(_START + 1, 256)
    rows = table.sum(axis=1)
    used = rows > 0
    per_context = entropy(table[used], base=2, axis=1)
    return float((rows[used] * per_context).sum() / rows.sum())
