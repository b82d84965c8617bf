"""Figures for the LLM review of the bundled example (prints them; asserts nothing).

    .venv/bin/python scripts/bench_review.py [EXAMPLE]

The model is `openai/gpt-4o-mini` by name (its tokenizer and litellm's price for it),
answered by the tests' OpenAI-compatible server on 127.0.0.1: the figures are the
evaluator's own cost (prompt size, price, wall time), not a hosted model's latency.

- prompt tokens of the example, counted with litellm's counter (target <= 30k)
- the price of one review at gpt-4o-mini's rates, and of a cache hit (0)
- wall time the review adds to `evaluate`: the review phase without a model (the
  injection scan only), with a model (first call, litellm imported), on a cache hit
- CLI start-up without a model (litellm is not imported)
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluator.config import load_config  # noqa: E402
from evaluator.intake.source import Source  # noqa: E402
from evaluator.model.report import Report  # noqa: E402
from evaluator.model.review import Review  # noqa: E402
from evaluator.pipeline import EvaluationRequest, evaluate  # noqa: E402
from tests.llm_server import FakeLLM, Reply, grader  # noqa: E402


def cli_startup() -> float:
    began = time.perf_counter()
    env = {**os.environ, "CAPSTONE_EVAL_LLM_MODEL": ""}
    subprocess.run(
        [sys.executable, "-m", "evaluator", "--help"], check=True, env=env, capture_output=True
    )
    return time.perf_counter() - began


def reviewed(report: Report) -> Review:
    """The report's review (every evaluation has one)."""
    if report.review is None:
        raise SystemExit("the evaluation has no review")
    return report.review


def main() -> None:
    example = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples" / "file-organizer"
    base = load_config(os.environ)
    request = EvaluationRequest(source=Source(location=str(example)))
    quiet = lambda _m: None  # noqa: E731
    plain = evaluate(request, base, progress=quiet)
    print(
        f"evaluate without a model: {plain.timings.total_s:6.2f} s, "
        f"review phase {plain.timings.phases['review']:.3f} s (scan only)"
    )
    realistic = grader(3)
    review_tokens = [0]

    def priced(body: dict[str, object]) -> Reply:
        # gpt-4o-mini bills what it reads: report the prompt as sent, an answer of ~450 tokens.
        reply = realistic(body)
        return dataclasses.replace(reply, prompt_tokens=review_tokens[0], completion_tokens=450)

    with tempfile.TemporaryDirectory() as cache, FakeLLM(priced) as server:
        settings = base.review.model_copy(
            update={
                "model": "openai/gpt-4o-mini",
                "api_base": server.url,
                "api_key": SecretStr("sk-bench"),
                "cache_dir": Path(cache),
            }
        )
        config = dataclasses.replace(base, review=settings)
        first_report = evaluate(request, config, progress=quiet)
        review_tokens[0] = reviewed(first_report).prompt_tokens or 0
        cold_phase = first_report.timings.phases["review"]
        (Path(cache) / "answers").rename(Path(cache) / "answers.old")  # ask again, warm
        warm_report = evaluate(request, config, progress=quiet)
        hit_report = evaluate(request, config, progress=quiet)
    warm, hit = reviewed(warm_report), reviewed(hit_report)
    from evaluator.review.client import LiteLLMModel

    model = LiteLLMModel(settings)
    print(
        f"prompt tokens (gpt-4o-mini tokenizer): {warm.prompt_tokens} "
        f"({len(warm.files)} files shown, {len(warm.skipped)} not shown)"
    )
    one = model.estimate_cost(warm.prompt_tokens or 0, 450)
    print(
        f"cost of one review at gpt-4o-mini rates: ${warm.cost_usd} "
        f"(litellm's estimate for {warm.prompt_tokens} in + 450 out: ${one:.6f})"
    )
    print(f"cost on a cache hit: ${hit.cost_usd} (calls cached: {[c.cached for c in hit.calls]})")
    print(
        f"review phase with a model: first {cold_phase:.2f} s (imports litellm), "
        f"then {warm_report.timings.phases['review']:.2f} s, cache hit "
        f"{hit_report.timings.phases['review']:.2f} s; evaluate total "
        f"{hit_report.timings.total_s:.2f} s"
    )
    verdict = warm_report.decision.verdict.value if warm_report.decision else "-"
    print(f"verdict with the loopback model: {verdict}")
    print(f"CLI start-up without a model: {cli_startup():.2f} s")


if __name__ == "__main__":
    main()
