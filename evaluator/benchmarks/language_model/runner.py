"""The ``lm-perplexity`` benchmark: five sandbox steps in fresh containers, scored on the host.

1. encode: the held-out text -> token ids (the only step that sees the text);
2. decode: the ids -> text, which must equal the held-out text exactly;
3. score: host-cut windows of ids -> the true-token log-probability at every position;
4. audit, original windows: full distributions at positions drawn after step 3;
5. audit, perturbed windows: the same positions with every later token replaced.

The host computes bits per byte from byte counts it knows and passes the model
when it is below the held-out text's own byte-bigram entropy and below the
absolute limit stored with the imported data.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evaluator.benchmarks import repro
from evaluator.benchmarks.data.store import HiddenSet
from evaluator.benchmarks.definition import harness_path
from evaluator.benchmarks.language_model.audit import (
    AuditPlan,
    AuditResult,
    Scored,
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
from evaluator.benchmarks.result import failed, scored, step_failed
from evaluator.benchmarks.sandboxed import (
    BENCH_INPUTS,
    BenchContext,
    Step,
    StepResult,
    read_json,
    run_step,
    scratch,
    write_json,
)
from evaluator.intake.manifest import BenchmarkEntry
from evaluator.model.report import CheckResult, Finding, MetricValue, Status
from evaluator.sandbox.spec import RESULTS

MAX_ARRAY_BYTES = 256 * 1024 * 1024


class _Stopped(Exception):
    """A step failed; carries the check result that says why."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.summary)
        self.result = result


def load_array(path: Path) -> NDArray[Any]:
    """An array written in the sandbox (no pickles, bounded size); ValueError when unusable."""
    if not path.is_file() or path.stat().st_size > MAX_ARRAY_BYTES:
        raise ValueError(f"the harness wrote no usable {path.name}")
    try:
        loaded: NDArray[Any] = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ValueError(f"{path.name} is not a numeric array: {exc}") from None
    return loaded


def _saver(**arrays: NDArray[Any]) -> Any:
    def write(folder: Path) -> None:
        for name, array in arrays.items():
            np.save(folder / f"{name}.npy", array, allow_pickle=False)

    return write


class _LanguageModelRun:
    """The steps of one run; each step method returns its data or raises :class:`_Stopped`."""

    def __init__(
        self, ctx: BenchContext, hidden: HiddenSet, entry: BenchmarkEntry, work: Path
    ) -> None:
        self.ctx, self.hidden, self.entry, self.work = ctx, hidden, entry, work
        self.texts = list(hidden.texts or ())
        audit_seed = ctx.definition.audit.seed
        self.seed = audit_seed if audit_seed is not None else secrets.randbits(63)
        self.started = time.monotonic()
        self.timings: dict[str, float] = {}
        self.harness = harness_path(ctx.definition, ctx.benchmarks)
        self.harness_sha256 = ""
        self.vocab = 0

    # --- running and failing -----------------------------------------------------------

    def _run(self, name: str, mode: str, what: str, args: list[str], write: Any) -> StepResult:
        self.ctx.progress(f"benchmark {self.ctx.definition.name}: {what}")
        step = Step(
            name=name,
            harness=self.harness,
            args=[mode, *args, "--inputs", BENCH_INPUTS, "--out", RESULTS],
            write_inputs=write,
            what=what,
        )
        done = run_step(self.ctx, self.work, step)
        self.timings[name] = round(done.wall_s, 3)
        self.harness_sha256 = done.harness_sha256
        if done.problem is not None:
            definition, threshold = self.ctx.definition, self.ctx.threshold
            details, wall = self.details(), self.wall()
            failure = step_failed(definition, threshold, done, details=details, duration_s=wall)
            raise _Stopped(failure)
        return done

    def stop(self, failure: str, summary: str, **extra: Any) -> _Stopped:
        """A learner failure found on the host (bad tokens, no round trip, failed audit)."""
        return _Stopped(
            failed(
                self.ctx.definition,
                self.ctx.threshold,
                failure=failure,
                status=Status.FAIL,
                summary=f"{self.ctx.definition.name}: {summary}",
                details=self.details(),
                duration_s=self.wall(),
                **extra,
            )
        )

    def wall(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.started

    def details(self) -> dict[str, Any]:
        """The reproducibility record and the seconds each step took."""
        record = repro.record(
            self.ctx,
            data_files=self.hidden.file_hashes,
            harness_sha256=self.harness_sha256,
            seeds={"audit_positions": self.seed},
            wall_s=self.wall(),
        )
        return {"reproducibility": record, "steps_s": dict(self.timings)}

    def _logprobs_args(self) -> list[str]:
        return [
            "--logprobs", str(self.entry.logprobs), "--vocab", str(self.vocab),
            "--batch-size", str(self.ctx.definition.batch_size),
        ]  # fmt: skip

    # --- the steps ---------------------------------------------------------------------

    def encode(self) -> Encoded:
        """Step 1: the only step that sees the held-out text."""
        entry = self.entry
        done = self._run(
            "encode",
            "encode",
            f"encode ({entry.encode})",
            ["--encode", str(entry.encode), "--vocab-size", str(entry.vocab_size)],
            lambda folder: write_json(folder, "texts.json", {"texts": self.texts}),
        )
        info = read_json(done.results / "encode.json")
        try:
            encoded = check_encoded(
                load_array(done.results / "ids.npy"),
                load_array(done.results / "offsets.npy"),
                vocab_size=info.get("vocab_size"),
                text_bytes=[len(t.encode("utf-8")) for t in self.texts],
            )
        except (TokensInvalid, ValueError) as exc:
            raise self.stop("invalid-predictions", f"encode's output rejected: {exc}") from None
        self.vocab = encoded.vocab_size
        return encoded

    def decode(self, encoded: Encoded) -> None:
        """Step 2: the ids alone must give every held-out text back exactly."""
        done = self._run(
            "decode",
            "decode",
            f"decode ({self.entry.decode})",
            ["--decode", str(self.entry.decode)],
            _saver(ids=encoded.ids, offsets=encoded.offsets),
        )
        limit = 8 * sum(len(t.encode("utf-8")) for t in self.texts) + 65536
        decoded = read_json(done.results / "decoded.json", limit=limit)
        problem = round_trip_problem(self.texts, decoded.get("texts"))
        if problem is not None:
            raise self.stop("round-trip", problem)

    def score(self, encoded: Encoded) -> Scored:
        """Step 3: true-token log-probabilities of every window the host cut."""
        windows = cut_windows(encoded, self.ctx.definition.context_length)
        if not len(windows.grid):
            raise self.stop("invalid-predictions", "every text encoded to a single token")
        done = self._run(
            "score",
            "score",
            f"score ({self.entry.logprobs}) on {len(windows.grid)} windows",
            self._logprobs_args(),
            _saver(windows=windows.grid, lengths=windows.lengths),
        )
        try:
            return check_scores(
                windows,
                load_array(done.results / "gathered.npy"),
                vocab_size=encoded.vocab_size,
                tolerance=self.ctx.definition.audit.tolerance,
            )
        except (ScoresInvalid, ValueError) as exc:
            raise self.stop("audit", f"the scores were rejected: {exc}") from None

    def distributions(self, which: str, windows: NDArray[Any], plan: AuditPlan) -> NDArray[Any]:
        """Steps 4 and 5: full distributions at the audit positions, one set of windows each."""

        def write(folder: Path) -> None:
            np.save(folder / "windows.npy", windows, allow_pickle=False)
            write_json(folder, "positions.json", {"positions": plan.position.tolist()})

        done = self._run(
            f"audit-{which}",
            "distributions",
            f"audit, {which} windows ({len(windows)} positions)",
            self._logprobs_args(),
            write,
        )
        try:
            return load_array(done.results / "rows.npy").astype(np.float64)
        except ValueError:
            return np.zeros((0, 0))  # the audit reports the wrong shape

    def execute(self) -> CheckResult:
        """All five steps, then bits per byte and the two gates."""
        try:
            encoded = self.encode()
            self.decode(encoded)
            result = self.score(encoded)
            # Only now, with the scores on the host, are the audit positions drawn.
            positions = self.ctx.definition.audit.positions
            plan = plan_audit(result, positions=positions, seed=self.seed)
            original = self.distributions("original", plan.original, plan)
            perturbed = self.distributions("perturbed", plan.perturbed, plan)
        except _Stopped as stopped:
            return stopped.result
        tolerance = self.ctx.definition.audit.tolerance
        checked = audit(result, plan, original, perturbed, tolerance=tolerance)
        return self.finish(result, plan, checked)

    def finish(self, result: Scored, plan: AuditPlan, checked: AuditResult) -> CheckResult:
        """The check: withheld on a failed audit, else scored against both gates."""
        details = self.details()
        details["audit"] = {
            "seed": self.seed,
            "positions": [
                [int(w), int(t)] for w, t in zip(plan.window_index, plan.position, strict=True)
            ],
        }
        metrics = measures(self.texts, result, self.hidden, self.ctx) | audit_metrics(checked)
        if checked.problems:
            findings = [
                Finding(path="capstone.yaml", code="lm-audit", message=problem)
                for problem in checked.problems
            ]
            # The measures are withheld: an unaudited number must not pass a rubric.
            withheld = {f"unaudited_{k}": v for k, v in metrics.items() if k in GATED}
            kept = {k: v for k, v in metrics.items() if k not in GATED and k not in DERIVED}
            return failed(
                self.ctx.definition,
                self.ctx.threshold,
                failure="audit",
                status=Status.FAIL,
                summary=f"{self.ctx.definition.name}: the model failed the audit: "
                f"{checked.problems[0]}",
                metrics={**withheld, **kept},
                findings=findings,
                details=details,
                duration_s=self.wall(),
            )
        return gated(self.ctx, metrics, details, self.wall())


#: Measures a failed audit withholds (reported as ``unaudited_<name>``).
GATED = ("bits_per_byte", "byte_perplexity", "word_perplexity")
#: Measures derived from a gated one, dropped with it.
DERIVED = ("bits_per_byte_below_bigram", "bits_per_byte_below_limit")


def measures(
    texts: list[str], result: Scored, hidden: HiddenSet, ctx: BenchContext
) -> dict[str, MetricValue]:
    """Bits per byte, the perplexities, and the gates they are compared with."""
    counts = count_text(texts)
    bits = model_bits(result, counts)
    bigram = byte_bigram_bits_per_byte(texts)
    limit = float(hidden.meta.get("max_bits_per_byte") or ctx.threshold)
    return {
        "bits_per_byte": round(bits.bits_per_byte, 5),
        "byte_perplexity": round(bits.byte_perplexity, 5),
        "word_perplexity": round(bits.word_perplexity, 4),
        "bigram_bits_per_byte": round(bigram, 5),
        "bits_per_byte_limit": limit,
        "bits_per_byte_below_bigram": round(bigram - bits.bits_per_byte, 5),
        "bits_per_byte_below_limit": round(limit - bits.bits_per_byte, 5),
        "tokens": int(result.predicted + counts.texts),
        "bytes": counts.bytes,
        "words": counts.words,
        "vocab_size": result.vocab_size,
    }


def audit_metrics(checked: AuditResult) -> dict[str, MetricValue]:
    """The largest deviations the audit found."""
    return {
        "audit_normalisation_max": checked.normalisation_max,
        "audit_consistency_max": checked.consistency_max,
        "audit_causality_max": checked.causality_max,
    }


def gated(
    ctx: BenchContext, metrics: dict[str, MetricValue], details: dict[str, Any], wall: float
) -> CheckResult:
    """Pass when bits per byte is below the text's bigram entropy and below the limit."""
    below_bigram = float(metrics["bits_per_byte_below_bigram"] or 0) > 0
    below_limit = float(metrics["bits_per_byte_below_limit"] or 0) > 0
    check = scored(
        ctx.definition,
        float(metrics["bits_per_byte_limit"]),  # type: ignore[arg-type]
        value=float(metrics["bits_per_byte"]),  # type: ignore[arg-type]
        n=int(metrics["bytes"]),  # type: ignore[arg-type]
        metrics=metrics,
        findings=[],
        details=details,
        duration_s=wall,
        ok=below_bigram and below_limit,
        unit="held-out bytes",
    )
    if not below_bigram:
        summary = (
            f"{check.summary}; it does not beat the text's own byte-bigram entropy "
            f"({metrics['bigram_bits_per_byte']} bits per byte)"
        )
        return check.model_copy(update={"summary": summary})
    return check


def run_language_model(ctx: BenchContext, hidden: HiddenSet, entry: BenchmarkEntry) -> CheckResult:
    """Run the five steps against the learner's entry points and score on the host."""
    with scratch() as work:
        return _LanguageModelRun(ctx, hidden, entry, work).execute()
