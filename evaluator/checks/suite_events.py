"""The result stream of a test run, parsed defensively (pure).

The evaluator's pytest plugin writes one JSON line per event to a pipe the
supervisor reads (``sandbox/runtime/capstone_pytest.py``). Learner code shares
that process, so every line is untrusted: lines and events are capped, shapes
checked, unreadable lines counted, and a test reported twice for the same
phase is kept with its worse outcome and named (a forgery, or a plugin that
re-runs tests).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

MAX_LINE = 16 * 1024 * 1024
MAX_EVENTS = 200_000
MAX_TESTS = 50_000
_RANK = {"passed": 0, "skipped": 1, "failed": 2}


@dataclass(frozen=True, kw_only=True)
class Failure:
    """Where and why a test (or a phase of it) failed."""

    path: str
    line: int | None
    message: str
    detail: str


@dataclass(kw_only=True)
class TestOutcome:
    """One test's phases as reported."""

    nodeid: str
    path: str
    line: int | None
    phases: dict[str, str] = field(default_factory=dict)
    xfail: bool = False
    failure: Failure | None = None
    duration: float = 0.0
    reason: str | None = None

    @property
    def outcome(self) -> str:
        """passed, failed, error (setup/teardown), skipped or xfailed."""
        setup, call = self.phases.get("setup"), self.phases.get("call")
        if setup == "failed" or self.phases.get("teardown") == "failed":
            return "error" if call != "failed" else "failed"
        if call == "failed":
            return "failed"
        if "skipped" in (setup, call):
            return "xfailed" if self.xfail else "skipped"
        return "passed" if call == "passed" else "error"


@dataclass(kw_only=True)
class SuiteRun:
    """What a test run reported."""

    collected: list[tuple[str, str, int | None]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    deselected: list[str] = field(default_factory=list)
    filtered: dict[int, list[str]] = field(default_factory=dict)
    filter_errors: dict[int, str] = field(default_factory=dict)
    tests: dict[str, TestOutcome] = field(default_factory=dict)
    collect_errors: list[Failure] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    """Tests pytest failed and a hook then reported passed (they count as failed)."""
    unreadable: int = 0
    exitstatus: int | None = None
    coverage: dict[str, Any] | None = None

    def location(self, nodeid: str) -> tuple[str, int | None]:
        """File and line of a test (from its report, else from collection)."""
        if nodeid in self.tests:
            return self.tests[nodeid].path, self.tests[nodeid].line
        for found, path, line in self.collected:
            if found == nodeid:
                return path, line
        return nodeid.split("::", 1)[0], None


def _text(value: Any, limit: int) -> str:
    return str(value)[:limit] if value is not None else ""


def _path(value: Any) -> str:
    text = _text(value, 500)
    parts = PurePosixPath(text).parts
    if not text or PurePosixPath(text).is_absolute() or ".." in parts:
        return "?"
    return text


def _line(value: Any) -> int | None:
    return value if isinstance(value, int) and 0 < value < 10_000_000 else None


def _failure(raw: Any, path: str, line: int | None) -> Failure:
    raw = raw if isinstance(raw, dict) else {}
    return Failure(
        path=_path(raw.get("path")) if raw.get("path") else path,
        line=_line(raw.get("line")) or line,
        message=_text(raw.get("message"), 500),
        detail=_text(raw.get("detail"), 4000),
    )


def _report(run: SuiteRun, event: dict[str, Any]) -> None:
    nodeid, when = _text(event.get("nodeid"), 1000), event.get("when")
    outcome = event.get("outcome")
    if not nodeid or when not in ("setup", "call", "teardown") or outcome not in _RANK:
        run.unreadable += 1
        return
    raw_location = event.get("location")
    location: list[Any] = raw_location if isinstance(raw_location, list) else []
    path = _path(location[0]) if location else nodeid.split("::", 1)[0]
    line = _line(location[1]) if len(location) > 1 else None
    if outcome == "passed" and event.get("raw") == "failed":
        run.rewritten.append(nodeid)
        outcome = "failed"
    test = run.tests.get(nodeid)
    if test is None:
        if len(run.tests) >= MAX_TESTS:
            return
        test = run.tests[nodeid] = TestOutcome(nodeid=nodeid, path=path, line=line)
    earlier = test.phases.get(when)
    if earlier is not None:
        run.duplicates.append(f"{nodeid} ({when}: {earlier}, then {outcome})")
        if _RANK[outcome] <= _RANK[earlier]:
            return  # the worse outcome counts
    test.phases[when] = outcome
    test.xfail = test.xfail or bool(event.get("xfail"))
    duration = event.get("duration")
    test.duration += float(duration) if isinstance(duration, int | float) else 0.0
    if outcome == "failed":
        test.failure = _failure(event.get("failure"), path, line)
    if outcome == "skipped" and event.get("reason") is not None:
        test.reason = _text(event.get("reason"), 500)


def _collected(run: SuiteRun, event: dict[str, Any]) -> None:
    if run.collected:
        run.duplicates.append("the list of collected tests")
        return
    tests = event.get("tests")
    for entry in tests[:MAX_TESTS] if isinstance(tests, list) else []:
        if isinstance(entry, list) and len(entry) == 3:
            run.collected.append((_text(entry[0], 1000), _path(entry[1]), _line(entry[2])))
    removed = event.get("removed")
    run.removed = [_text(n, 1000) for n in removed[:MAX_TESTS]] if isinstance(removed, list) else []
    for item in event.get("filtered", []) if isinstance(event.get("filtered"), list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("index"), int):
            continue
        if "error" in item:
            run.filter_errors[item["index"]] = _text(item["error"], 500)
        else:
            left = item.get("left_out")
            left = left if isinstance(left, list) else []
            run.filtered[item["index"]] = [_text(n, 1000) for n in left[:MAX_TESTS]]


def _apply(run: SuiteRun, event: dict[str, Any]) -> None:
    kind = event.get("event")
    if kind == "report":
        _report(run, event)
    elif kind == "collected":
        _collected(run, event)
    elif kind == "deselected" and isinstance(event.get("tests"), list):
        run.deselected += [_text(n, 1000) for n in event["tests"][:MAX_TESTS]]
    elif kind == "collect-error":
        path = _path(event.get("path"))
        run.collect_errors.append(
            _failure({"detail": event.get("detail"), "message": "collection failed"}, path, None)
        )
    elif kind == "finish" and isinstance(event.get("exitstatus"), int):
        run.exitstatus = event["exitstatus"]
    elif kind == "coverage" and isinstance(event.get("report"), dict):
        run.coverage = event["report"]
    else:
        run.unreadable += 1


def parse_events(data: bytes) -> SuiteRun:
    """A :class:`SuiteRun` from the raw stream (never raises on bad input)."""
    run = SuiteRun()
    for count, raw in enumerate(data.split(b"\n")):
        if count >= MAX_EVENTS:
            break
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE:
            run.unreadable += 1
            continue
        try:
            event = json.loads(raw)
        except (ValueError, RecursionError):
            run.unreadable += 1
            continue
        if isinstance(event, dict):
            _apply(run, event)
        else:
            run.unreadable += 1
    return run
