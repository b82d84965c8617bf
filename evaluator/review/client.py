"""The model behind the review: a small protocol, and its litellm adapter.

litellm is imported on first use only: importing it takes seconds, and a CLI run
without a configured model never pays for that. The adapter retries 429, 5xx,
connection failures and timeouts itself (the SDK's own retries are turned off, so
one layer decides), with exponential backoff or the provider's Retry-After, always
inside the review's overall deadline. The API key is passed per call, never logged,
and removed from any error text the adapter returns.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any, Protocol

from evaluator.review.settings import ReviewSettings

Messages = Sequence[dict[str, str]]
#: Longest wait between retries, in seconds (a Retry-After above it is capped).
MAX_BACKOFF_S = 30.0
#: Below this many seconds left before the deadline, no new request is started.
MIN_REQUEST_S = 0.5
_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm", "httpx", "openai")


class ModelUnavailable(Exception):
    """The model gave no answer: the reason is safe to show (no key in it)."""


@dataclass(frozen=True, kw_only=True)
class ChatReply:
    """One answer of the model."""

    text: str
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    """None when the model has no known price."""
    latency_s: float
    http_retries: int


class ChatModel(Protocol):
    """What the review needs of a model."""

    name: str

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` for this model."""
        ...

    def estimate_cost(self, input_tokens: int, output_tokens: int) -> float | None:
        """Price of a call of this size in USD; None when unknown."""
        ...

    def complete(self, messages: Messages, *, deadline: float, schema: dict[str, Any]) -> ChatReply:
        """One answer before ``deadline`` (monotonic clock); raises ModelUnavailable."""
        ...


class _Redact(logging.Filter):
    """Removes a secret from every log record of the HTTP and litellm loggers."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "***"), None
        return True


@cache
def _redact_in_logs(secret: str) -> None:
    """Filter ``secret`` out of the HTTP and litellm loggers (once per secret and process)."""
    for name in _LOGGERS:
        logging.getLogger(name).addFilter(_Redact(secret))


@cache
def _litellm(remote_price_map: bool) -> ModuleType:
    # litellm reads this at import: without it the import downloads a price map from
    # the network (seconds offline, and not reproducible). The shipped map is used.
    if not remote_price_map:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True  # no "Give Feedback" banners on stdout
    for name in _LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return litellm


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    value = headers.get("retry-after") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class LiteLLMModel:
    """The review's model through litellm (any provider by model string)."""

    def __init__(
        self,
        settings: ReviewSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not settings.model:
            raise ValueError("no model configured")
        self.name = settings.model
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.lib = _litellm(settings.remote_price_map)
        self._secret = settings.api_key.get_secret_value() if settings.api_key else None
        if self._secret:
            _redact_in_logs(self._secret)

    def _custom_price(self) -> dict[str, float] | None:
        s = self.settings
        if s.input_cost_per_million is None and s.output_cost_per_million is None:
            return None
        return {
            "input_cost_per_token": (s.input_cost_per_million or 0.0) / 1e6,
            "output_cost_per_token": (s.output_cost_per_million or 0.0) / 1e6,
        }

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` with litellm's counter for this model."""
        return int(self.lib.token_counter(model=self.name, text=text))

    def estimate_cost(self, input_tokens: int, output_tokens: int) -> float | None:
        """litellm's price of a call of this size; None for a model it has no price for."""
        try:
            prompt, completion = self.lib.cost_per_token(
                model=self.name,
                prompt_tokens=input_tokens,
                completion_tokens=output_tokens,
                custom_cost_per_token=self._custom_price(),
            )
        except Exception:  # noqa: BLE001  (unpriced models raise several types; cost is then unknown)
            return None
        return float(prompt + completion)

    def _cost(self, response: Any) -> float | None:
        try:
            cost = self.lib.completion_cost(
                completion_response=response, custom_cost_per_token=self._custom_price()
            )
        except Exception:  # noqa: BLE001  (as above: no price known)
            return None
        return float(cost) if cost is not None else None

    def response_format(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        """The provider's JSON-schema response format where litellm says it has one,
        else JSON mode where the provider takes ``response_format``, else none."""
        mode = self.settings.response_format
        if mode == "auto":
            if self.lib.supports_response_schema(model=self.name):
                mode = "json_schema"
            elif "response_format" in (self.lib.get_supported_openai_params(model=self.name) or []):
                mode = "json_object"
            else:
                mode = "none"
        if mode == "json_schema":
            schema_format = {"name": "rubric_review", "schema": schema, "strict": True}
            return {"type": "json_schema", "json_schema": schema_format}
        return {"type": "json_object"} if mode == "json_object" else None

    def _safe(self, exc: BaseException) -> str:
        text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        if self._secret:
            text = text.replace(self._secret, "***")
        return text[:300]

    def _transient(self) -> tuple[type[BaseException], ...]:
        lib = self.lib
        return (
            lib.RateLimitError,
            lib.Timeout,
            lib.InternalServerError,
            lib.ServiceUnavailableError,
            lib.BadGatewayError,
            lib.APIConnectionError,
        )

    def _request(self, messages: Messages, timeout: float, schema: dict[str, Any]) -> Any:
        s = self.settings
        return self.lib.completion(
            model=self.name,
            messages=list(messages),
            api_base=s.api_base,
            api_key=self._secret,
            response_format=self.response_format(schema),
            temperature=s.sample_temperature(),
            max_tokens=s.max_output_tokens,
            timeout=timeout,
            max_retries=0,  # the SDK's retries off: this adapter retries, inside the deadline
            num_retries=0,
        )

    def complete(self, messages: Messages, *, deadline: float, schema: dict[str, Any]) -> ChatReply:
        """One answer, retried on 429, 5xx, connection errors and timeouts until ``deadline``."""
        began = self.clock()
        retries = 0
        while True:
            left = deadline - self.clock()
            if left < MIN_REQUEST_S:
                raise ModelUnavailable(
                    f"no answer within the review deadline ({self.settings.deadline_s:g} s)"
                )
            try:
                response = self._request(messages, min(self.settings.timeout_s, left), schema)
                break
            except self._transient() as exc:
                retries += 1
                wait = min(_retry_after(exc) or 2.0 ** (retries - 1), MAX_BACKOFF_S)
                if retries > self.settings.retries:
                    raise ModelUnavailable(
                        f"{self._safe(exc)} (after {retries} attempts)"
                    ) from None
                if self.clock() + wait + MIN_REQUEST_S > deadline:
                    raise ModelUnavailable(
                        f"{self._safe(exc)}; no time left to retry before the review deadline "
                        f"({self.settings.deadline_s:g} s)"
                    ) from None
                self.sleep(wait)
            except Exception as exc:  # noqa: BLE001  (auth, bad request, unknown provider: a result)
                raise ModelUnavailable(self._safe(exc)) from None
        usage = getattr(response, "usage", None)
        return ChatReply(
            text=response.choices[0].message.content or "",
            input_tokens=getattr(usage, "prompt_tokens", None),
            output_tokens=getattr(usage, "completion_tokens", None),
            cost_usd=self._cost(response),
            latency_s=round(self.clock() - began, 3),
            http_retries=retries,
        )
