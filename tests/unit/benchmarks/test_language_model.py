"""Language-model checks on the host: tokens, round trip, windows, audits, bits per byte."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evaluator.benchmarks.language_model.audit import (
    ScoresInvalid,
    audit,
    check_scores,
    plan_audit,
)
from evaluator.benchmarks.language_model.bits import (
    byte_bigram_bits_per_byte,
    count_text,
    model_bits,
)
from evaluator.benchmarks.language_model.tokens import (
    Encoded,
    TokensInvalid,
    check_encoded,
    cut_windows,
    round_trip_problem,
)

V, T = 5, 4


def encoded(*texts: list[int]) -> Encoded:
    ids = np.array([t for text in texts for t in text], dtype=np.int64)
    offsets = np.cumsum([0, *(len(t) for t in texts)])
    return check_encoded(ids, offsets, vocab_size=V, text_bytes=[len(t) for t in texts])


def test_windows_predict_every_token_but_each_texts_first_once() -> None:
    windows = cut_windows(encoded([0, 1, 2, 3, 4, 0, 1], [3, 4]), T)
    assert windows.grid.tolist() == [[0, 1, 2, 3], [3, 4, 0, 1], [3, 4, 0, 0]]
    assert windows.lengths.tolist() == [4, 4, 2]
    predicted = (windows.lengths - 1).sum()
    assert predicted == (7 - 1) + (2 - 1)  # texts never share a window


@pytest.mark.parametrize(
    ("ids", "offsets", "vocab", "words"),
    [
        ([0, 1, 9], [0, 2, 3], V, "outside 0..4"),
        ([0, 1, 2], [0, 3, 3], V, "no tokens for text 1"),
        ([0, 1, 2], [0, 2], V, "one list of ids per text"),
        ([0, 1, 2], [0, 2, 3], 1, "needs 2.."),
        ([0, 1, 2], [0, 2, 3], "256", "must be an integer"),
        ([0] * 40, [0, 20, 40], V, "more than 16 per byte"),
    ],
)
def test_encode_output_is_checked(
    ids: list[int], offsets: list[int], vocab: object, words: str
) -> None:
    with pytest.raises(TokensInvalid, match=words):
        check_encoded(np.array(ids), np.array(offsets), vocab_size=vocab, text_bytes=[1, 1])


def test_round_trip_must_be_exact() -> None:
    texts = ["Hello, world", "second text"]
    assert round_trip_problem(texts, list(texts)) is None
    lowered = round_trip_problem(texts, ["hello, world", "second text"])
    assert lowered is not None and "text 0 at character 0" in lowered
    shorter = round_trip_problem(texts, ["Hello, world", "second"])
    assert shorter is not None and "at character 6" in shorter and "11 vs 6" in shorter
    assert "one text per" in str(round_trip_problem(texts, ["Hello, world"]))
    assert "expected str" in str(round_trip_problem(texts, ["Hello, world", 7]))


def scored_uniform():
    windows = cut_windows(encoded([0, 1, 2, 3, 4, 0, 1], [3, 4]), T)
    gathered = np.full((3, T - 1), -math.log(V))
    return check_scores(windows, gathered, vocab_size=V, tolerance=1e-3)


def test_bits_per_byte_charges_every_byte() -> None:
    result = scored_uniform()
    counts = count_text(["abcdefg", "hi"])  # 9 bytes, 2 words, 2 texts
    bits = model_bits(result, counts)
    # 7 predicted tokens at log2(5) bits, plus log2(5) for each text's first token.
    assert bits.total_bits == pytest.approx(9 * math.log2(V))
    assert bits.bits_per_byte == pytest.approx(math.log2(V))
    assert bits.byte_perplexity == pytest.approx(V)
    assert bits.word_perplexity == pytest.approx(2 ** (9 * math.log2(V) / 2))


def test_uniform_two_token_model_pays_eight_bits_per_byte() -> None:
    # One token per bit: 8 tokens per byte at 1 bit each (the cheat that scored "perplexity 2").
    text = "ab"
    bits_of = [int(b) for byte in text.encode() for b in f"{byte:08b}"]
    ids = np.array(bits_of)
    enc = check_encoded(ids, np.array([0, len(ids)]), vocab_size=2, text_bytes=[2])
    windows = cut_windows(enc, 8)
    gathered = np.full((len(windows.grid), 7), -math.log(2))
    result = check_scores(windows, gathered, vocab_size=2, tolerance=1e-3)
    assert model_bits(result, count_text([text])).bits_per_byte == pytest.approx(8.0)


def test_scores_are_checked() -> None:
    windows = cut_windows(encoded([0, 1, 2, 3]), T)
    with pytest.raises(ScoresInvalid, match="> 0"):
        check_scores(windows, np.full((1, 3), 0.5), vocab_size=V, tolerance=1e-3)
    with pytest.raises(ScoresInvalid, match="NaN"):
        check_scores(windows, np.full((1, 3), np.nan), vocab_size=V, tolerance=1e-3)
    with pytest.raises(ScoresInvalid, match="shape"):
        check_scores(windows, np.zeros((2, 3)), vocab_size=V, tolerance=1e-3)


def test_byte_bigram_entropy_of_the_text_itself() -> None:
    assert byte_bigram_bits_per_byte(["aaaa"]) == pytest.approx(0.0)
    # "abab": a->b and b->a are certain; the first byte follows the start symbol (certain too).
    assert byte_bigram_bits_per_byte(["abab"]) == pytest.approx(0.0)
    # Each byte after "a" is b or c with equal counts: 1 bit for 2 of the 5 bytes.
    assert byte_bigram_bits_per_byte(["abaca"]) == pytest.approx(2 / 5)


def test_plan_perturbs_every_later_token_and_only_those() -> None:
    result = scored_uniform()
    plan = plan_audit(result, positions=10, seed=3)
    assert len(plan.position) == result.predicted == 7
    for i, t in enumerate(plan.position):
        assert np.array_equal(plan.perturbed[i, : t + 1], plan.original[i, : t + 1])
        assert (plan.perturbed[i, t + 1 :] != plan.original[i, t + 1 :]).all()
    assert np.array_equal(plan_audit(result, positions=10, seed=3).perturbed, plan.perturbed)


def test_audit_passes_honest_and_catches_each_cheat() -> None:
    result = scored_uniform()
    plan = plan_audit(result, positions=4, seed=0)
    honest = np.full((4, V), -math.log(V))
    assert audit(result, plan, honest, honest.copy(), tolerance=1e-3).problems == ()
    raw = np.zeros((4, V))
    assert "not normalised" in audit(result, plan, raw, raw, tolerance=1e-3).problems[0]
    peeking = honest.copy()
    peeking[0] = np.log([0.6, 0.1, 0.1, 0.1, 0.1])
    assert any(
        "future tokens" in p for p in audit(result, plan, honest, peeking, tolerance=1e-3).problems
    )
    sharper = np.tile(np.log([0.3, 0.3, 0.2, 0.1, 0.1]), (4, 1))
    assert any(
        "disagree" in p for p in audit(result, plan, sharper, sharper, tolerance=1e-3).problems
    )
    assert "shape" in audit(result, plan, np.zeros((2, 2)), honest, tolerance=1e-3).problems[0]
