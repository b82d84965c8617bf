"""Claims: every metric a README or results file states, each against the measured value."""

from __future__ import annotations

import pytest

from evaluator.benchmarks.scoring.claim_report import check_claim
from evaluator.benchmarks.scoring.claims import Claim, claims_in_results, claims_in_text

ACC = ["accuracy", "f1"]


def values(metrics: list[str], text: str) -> list[tuple[str, float, int | None]]:
    return [
        (c.metric, round(c.value, 6), c.line) for c in claims_in_text(metrics, text, "README.md")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Test accuracy: 98.33%", [("accuracy", 0.9833)]),
        ("We got 0.97 accuracy on MNIST.", [("accuracy", 0.97)]),
        ("The model is 99.6% accurate.", [("accuracy", 0.996)]),
        ("Macro F1-score of 0.88 on held-out reviews", [("f1", 0.88)]),
        ("98.3% accuracy and 0.97 F1 on the test set", [("accuracy", 0.983), ("f1", 0.97)]),
        ("accuracy 93%, F1 0.91", [("accuracy", 0.93), ("f1", 0.91)]),
        ("Trained on 10,000 images for 3 epochs.", []),
        ("Validation accuracy 99.9%", []),
        ("Training accuracy reached 100%", []),
        ("Target: accuracy >= 97%", []),
        ("No numbers here.", []),
    ],
)
def test_claims_in_prose(text: str, expected: list[tuple[str, float]]) -> None:
    assert [(m, v) for m, v, _ in values(ACC, text)] == expected


def test_every_line_and_every_table_row_is_read() -> None:
    readme = "\n".join(
        [
            "# MNIST MLP",  # 1
            "",
            "Our final model is 99.6% accurate on the test set.",  # 3
            "",
            "| model | params | train acc | test accuracy |",  # 5
            "| --- | ---: | --- | --- |",
            "| MLP 256-128 | 235k | 99.9% | 98.3% |",  # 7
            "| MLP 512 | 407k | 100% | 97.9 |",  # 8
            "| baseline (logistic) | 8k | 93% | 92.6% |",  # 9: a baseline, not a claim
            "",
            "| | |",  # 11: a key-value table
            "| --- | --- |",
            "| test accuracy (real MNIST test set, 10,000 images) | 98.33% |",  # 13
            "| F1 (macro) | 0.981 |",  # 14
        ]
    )
    assert values(ACC, readme) == [
        ("accuracy", 0.996, 3),
        ("accuracy", 0.983, 7),
        ("accuracy", 0.979, 8),
        ("accuracy", 0.9833, 13),
        ("f1", 0.981, 14),
    ]


def test_language_model_measures_are_spelled_apart_from_token_perplexity() -> None:
    text = (
        "Token perplexity 12.1 (our BPE). Held-out: 1.21 bits per byte, byte perplexity 2.31,\n"
        "word-level perplexity of 88.5.\n"
    )
    metrics = ["bits_per_byte", "byte_perplexity", "word_perplexity"]
    assert [(m, v) for m, v, _ in values(metrics, text)] == [
        ("bits_per_byte", 1.21),
        ("byte_perplexity", 2.31),
        ("word_perplexity", 88.5),
    ]


def test_results_files_are_walked_to_any_depth() -> None:
    text = '{"test": {"accuracy": 0.991, "f1": 0.99}, "train": {"accuracy": 1.0}, "epochs": 12}'
    found = claims_in_results(ACC, text, "results.json")
    assert [(c.metric, c.value, c.text) for c in found] == [
        ("accuracy", 0.991, "test.accuracy: 0.991"),
        ("f1", 0.99, "test.f1: 0.99"),
    ]
    yaml_found = claims_in_results(["accuracy"], "metrics:\n  test_accuracy: 97.5\n", "r.yaml")
    assert [c.value for c in yaml_found] == [pytest.approx(0.975)]
    assert claims_in_results(ACC, "{not json", "results.json") == []


def claim(metric: str, value: float) -> Claim:
    return Claim(metric=metric, value=value, source="README.md", line=3, text="")


def test_overstated_claims_are_flagged_and_understated_ones_recorded() -> None:
    over = check_claim(claim("accuracy", 0.996), 0.971, tolerance=0.01)
    assert over.flagged and over.gap == pytest.approx(0.025)
    under = check_claim(claim("accuracy", 0.926), 0.971, tolerance=0.01)
    assert not under.flagged and under.gap == pytest.approx(0.045)
    assert not check_claim(claim("accuracy", 0.975), 0.971, tolerance=0.01).flagged
    # Lower is better: claiming fewer bits per byte than measured is the overstatement.
    assert check_claim(claim("bits_per_byte", 1.0), 1.3, tolerance=0.05).flagged
    assert not check_claim(claim("bits_per_byte", 1.6), 1.3, tolerance=0.05).flagged
    assert check_claim(claim("percentile", 2.0), 12.0, tolerance=0.05).flagged
