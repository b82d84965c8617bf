"""One LLM review, start to finish: files, scan, prompt, answers, citations, levels.

Everything that can go wrong with the model (not configured, unreachable, invalid
answers, deadline, budget) is a result: a :class:`Review` whose status says so, and
judgement criteria that stay with a mentor. The review only ever scores judgement
criteria; checks and other criteria are the decision engine's alone.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.intake.manifest import Manifest
from evaluator.intake.workspace import workspace_files
from evaluator.model.finding import Finding
from evaluator.model.report import CheckResult
from evaluator.model.review import (
    CriterionReview,
    ModelCall,
    Review,
    ReviewStatus,
    SkippedFile,
)
from evaluator.progress import ProgressFn
from evaluator.review.answer import ReviewAnswer, parse_answer, response_schema
from evaluator.review.budget import Budget, FileLedger
from evaluator.review.cache import AnswerCache, CachedAnswer, cache_key
from evaluator.review.citations import CitationChecker
from evaluator.review.client import ChatModel, LiteLLMModel, ModelUnavailable
from evaluator.review.injection import scan_files
from evaluator.review.prompt import Prompt, ReviewQuestion, build_prompt, render
from evaluator.review.settings import ENV_MODEL, ReviewSettings
from evaluator.review.sources import learner_files
from evaluator.rubrics.model import JudgementCriterion, Rubric

NO_MODEL = (
    f"no model configured: set {ENV_MODEL} (e.g. openai/gpt-4o-mini) "
    "or [review] model in capstone-eval.toml"
)


@dataclass(frozen=True, kw_only=True)
class ReviewInputs:
    """What one review looks at."""

    root: Path
    """The workspace (sanitised copy of the submission)."""
    rubric: Rubric | None
    manifest: Manifest | None
    checks: Sequence[CheckResult]
    diff: str | None = None
    """A pull request's unified diff, shown first when given."""


@dataclass(kw_only=True)
class _Sampling:
    """The answers gathered so far and the calls that produced them."""

    answers: list[ReviewAnswer] = field(default_factory=list)
    calls: list[ModelCall] = field(default_factory=list)
    stop: tuple[ReviewStatus, str] | None = None


def _not_run(reason: str, findings: list[Finding], settings: ReviewSettings) -> Review:
    return Review(
        status=ReviewStatus.NOT_RUN,
        reason=reason,
        model=settings.model,
        samples=settings.samples,
        findings=findings,
    )


def _ask(
    model: ChatModel,
    messages: list[dict[str, str]],
    *,
    key: str,
    context: _Context,
    sample: int,
    attempt: int,
) -> tuple[str, ModelCall] | None:
    """One answer's text and its call record, from the cache or the model; None on a stop."""
    cached = context.cache.get(key)
    if cached is not None:
        call = ModelCall(
            sample=sample,
            attempt=attempt,
            cached=True,
            input_tokens=cached.input_tokens,
            output_tokens=cached.output_tokens,
            cost_usd=0.0,
            latency_s=0.0,
            outcome="valid",
        )
        return cached.text, call
    estimate = model.estimate_cost(context.prompt_tokens, context.settings.max_output_tokens)
    refusal = context.budget.refusal(estimate)
    if refusal is not None:
        context.sampling.stop = (ReviewStatus.BUDGET_SPENT, refusal)
        return None
    try:
        reply = model.complete(messages, deadline=context.deadline, schema=context.schema)
    except ModelUnavailable as exc:
        context.sampling.stop = (ReviewStatus.UNAVAILABLE, str(exc))
        return None
    context.budget.charge(reply.cost_usd)
    call = ModelCall(
        sample=sample,
        attempt=attempt,
        cached=False,
        input_tokens=reply.input_tokens,
        output_tokens=reply.output_tokens,
        cost_usd=reply.cost_usd,
        latency_s=reply.latency_s,
        http_retries=reply.http_retries,
        outcome="valid",
    )
    if reply.text:
        context.pending[key] = CachedAnswer(
            text=reply.text, input_tokens=reply.input_tokens, output_tokens=reply.output_tokens
        )
    return reply.text, call


@dataclass(kw_only=True)
class _Context:
    settings: ReviewSettings
    prompt: Prompt
    prompt_tokens: int
    levels: dict[str, set[int]]
    schema: dict[str, object]
    cache: AnswerCache
    budget: Budget
    deadline: float
    sampling: _Sampling = field(default_factory=_Sampling)
    pending: dict[str, CachedAnswer] = field(default_factory=dict)
    """Answers not cached until they validate."""


def _sample(model: ChatModel, context: _Context, sample: int) -> None:
    """Ask for one answer; on an invalid one, ask once more with what was wrong."""
    sampling = context.sampling
    messages = context.prompt.messages()
    key = cache_key(model.name, context.prompt.prompt_hash, sample)
    for attempt in (1, 2):
        asked = _ask(model, messages, key=key, context=context, sample=sample, attempt=attempt)
        if asked is None:
            return
        text, call = asked
        parsed = parse_answer(text, context.levels)
        if isinstance(parsed, ReviewAnswer):
            sampling.calls.append(call)
            sampling.answers.append(parsed)
            if key in context.pending:
                context.cache.put(key, context.pending.pop(key))
            return
        sampling.calls.append(call.model_copy(update={"outcome": f"invalid: {parsed}"[:300]}))
        correction = render("correction.j2", error=parsed, ids=sorted(context.levels))
        messages = [
            *messages,
            {"role": "assistant", "content": text},
            {"role": "user", "content": correction},
        ]
        key = cache_key(
            model.name,
            context.prompt.prompt_hash,
            sample,
            hashlib.sha256(text.encode()).hexdigest(),
        )
    sampling.stop = (ReviewStatus.UNAVAILABLE, f"the model's answer was invalid twice: {parsed}")


def _mentor_reason(review_flag: str | None, levels: list[int], verified: int) -> str | None:
    if review_flag:
        return review_flag
    if max(levels) - min(levels) > 1:
        return f"the samples disagree (levels {', '.join(map(str, levels))})"
    if not verified:
        return "no citation of the model could be verified in the repository"
    return None


def _criterion(
    cid: str, answers: list[ReviewAnswer], checker: CitationChecker, flag: str | None
) -> CriterionReview:
    mine = [next(c for c in a.criteria if c.id == cid) for a in answers]
    levels = [c.level for c in mine]
    median = int(statistics.median_low(levels))
    chosen = next(c for c in mine if c.level == median)
    dropped = 0
    for other in mine:
        if other is not chosen:
            dropped += len(checker.verify_all(other.citations)[1])
    verified, failed = checker.verify_all(chosen.citations)
    why = _mentor_reason(flag, levels, len(verified))
    return CriterionReview(
        id=cid,
        level=None if why else median,
        proposal=median,
        samples=levels,
        justification=chosen.justification,
        citations=verified,
        dropped_citations=dropped + len(failed),
        to_mentor=why,
    )


def _flag(findings: list[Finding], answers: list[ReviewAnswer]) -> str | None:
    if findings:
        return f"{len(findings)} integrity finding(s) of text aimed at the grader or hidden text"
    if any(a.injection_suspected for a in answers):
        return "the model reported instructions aimed at it in the learner's files"
    return None


def _totals(calls: list[ModelCall]) -> dict[str, object]:
    costs = [c.cost_usd for c in calls]
    return {
        "input_tokens": sum(c.input_tokens or 0 for c in calls if not c.cached),
        "output_tokens": sum(c.output_tokens or 0 for c in calls if not c.cached),
        "cost_usd": None if None in costs else round(sum(c or 0.0 for c in costs), 6),
        "latency_s": round(sum(c.latency_s for c in calls), 3),
    }


@dataclass(frozen=True, kw_only=True)
class Reviewer:
    """Runs reviews with one configuration; the model and budget can be given (tests, cohorts)."""

    settings: ReviewSettings
    model_factory: Callable[[ReviewSettings], ChatModel] = LiteLLMModel
    budget: Budget | None = None
    clock: Callable[[], float] = time.monotonic

    def _budget(self) -> Budget:
        return self.budget or Budget(
            run_limit_usd=self.settings.run_budget_usd,
            cohort_limit_usd=self.settings.cohort_budget_usd,
            cohort=FileLedger(path=self.settings.ledger),
        )

    def review(self, inputs: ReviewInputs, progress: ProgressFn) -> Review:
        """Review the judgement criteria of ``inputs.rubric`` on the workspace."""
        s = self.settings
        files, unread, _ignored = learner_files(inputs.root, inputs.manifest, s.max_file_bytes)
        findings = scan_files(files)
        if inputs.rubric is None:
            return _not_run("no rubric applies", findings, s)
        criteria = [c for c in inputs.rubric.criteria if isinstance(c, JudgementCriterion)]
        if not criteria:
            return _not_run("the rubric has no judgement criteria", findings, s)
        if not s.enabled:
            return _not_run(NO_MODEL, findings, s)
        try:
            model = self.model_factory(s)
        except Exception as exc:  # noqa: BLE001  (a broken client install is a result, not a crash)
            return Review(
                status=ReviewStatus.UNAVAILABLE,
                model=s.model,
                samples=s.samples,
                reason=f"the model client could not start: {type(exc).__name__}: {exc}",
                findings=findings,
            )
        question = ReviewQuestion(
            rubric=inputs.rubric,
            criteria=criteria,
            checks=inputs.checks,
            files=files,
            diff=inputs.diff,
        )
        prompt = build_prompt(question, model.count_tokens, s.max_input_tokens)
        tokens = model.count_tokens(prompt.system) + model.count_tokens(prompt.user)
        progress(f"LLM review with {model.name}: {len(prompt.shown)} files, {tokens} tokens")
        context = _Context(
            settings=s,
            prompt=prompt,
            prompt_tokens=tokens,
            levels=question.levels,
            schema=response_schema(question.levels),
            cache=AnswerCache(folder=s.cache_dir / "answers", enabled=s.cache),
            budget=self._budget(),
            deadline=self.clock() + s.deadline_s,
        )
        for sample in range(1, s.samples + 1):
            _sample(model, context, sample)
            if context.sampling.stop:
                break
        skipped = [SkippedFile(path=u.path, reason=u.reason) for u in unread] + prompt.skipped
        return self._result(inputs, context, criteria, findings, skipped, model.name)

    def _result(
        self,
        inputs: ReviewInputs,
        context: _Context,
        criteria: list[JudgementCriterion],
        findings: list[Finding],
        skipped: list[SkippedFile],
        name: str,
    ) -> Review:
        sampling = context.sampling
        base = Review(
            status=ReviewStatus.REVIEWED,
            model=name,
            samples=self.settings.samples,
            prompt_hash=context.prompt.prompt_hash,
            prompt_tokens=context.prompt_tokens,
            calls=sampling.calls,
            diff=context.prompt.diff,
            files=context.prompt.shown,
            skipped=skipped,
            findings=findings,
        ).model_copy(update=_totals(sampling.calls))
        if not sampling.answers:
            status, why = sampling.stop or (ReviewStatus.UNAVAILABLE, "no answer")
            return base.model_copy(update={"status": status, "reason": why})
        checker = CitationChecker(
            root=inputs.root,
            files=frozenset(workspace_files(inputs.root)),
            max_bytes=self.settings.max_file_bytes,
        )
        flag = _flag(findings, sampling.answers)
        reviewed = [_criterion(c.id, sampling.answers, checker, flag) for c in criteria]
        reason: str | None = None
        if sampling.stop:
            reason = (
                f"{len(sampling.answers)} of {self.settings.samples} samples: {sampling.stop[1]}"
            )
        return base.model_copy(
            update={
                "criteria": reviewed,
                "reason": reason,
                "injection_suspected": any(a.injection_suspected for a in sampling.answers),
                "citations_dropped": sum(c.dropped_citations for c in reviewed),
            }
        )
