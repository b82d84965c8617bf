"""The evaluator's pytest plugin: streams what happens to the supervisor (in the sandbox).

Every event is one JSON line written to the result stream (fd 3, a pipe the
supervisor reads) the moment it happens, so a test, a fixture or a hook that
runs later cannot take it back; nothing is written to a file learner code
could edit. Learner code shares this process, so the stream stays
self-reported: the host flags a test reported twice, and a second run without
conftest.py shows what hooks changed.

Events: ``collected`` (every test, before any hook removed one, and what each
learner filter would have left out), ``deselected``, ``collect-error``,
``report`` (one per test and phase) and ``finish``.
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Generator, Iterable
from typing import Any

import pytest

WORKSPACE = "/workspace"
MESSAGE = 500
DETAIL = 4000


class Stream:
    """JSON lines to an inherited pipe; silent when the pipe is gone."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        try:
            # Subprocesses of the tests must not inherit it.
            os.set_inheritable(fd, False)
        except OSError:
            self.fd = -1

    def send(self, event: dict[str, Any]) -> None:
        if self.fd < 0:
            return
        data = (json.dumps(event, default=str) + "\n").encode()
        try:
            while data:
                data = data[os.write(self.fd, data) :]
        except OSError:
            self.fd = -1


def relative(path: str) -> str:
    """A path relative to the workspace, as reports name files."""
    if path.startswith(WORKSPACE + "/"):
        return path[len(WORKSPACE) + 1 :]
    return path


def _under(rel: str, selector: str) -> bool:
    selector = selector.rstrip("/")
    return rel == selector or rel.startswith(selector + "/") or fnmatch.fnmatch(rel, selector)


def _kept_by_paths(item: pytest.Item, selectors: Iterable[str]) -> bool:
    rel = relative(str(item.path))
    for selector in selectors:
        if "::" in selector:
            if item.nodeid == selector or item.nodeid.startswith(selector + "::"):
                return True
            if item.nodeid.startswith(selector + "["):
                return True
        elif _under(rel, selector):
            return True
    return False


def _expression_filter(items: list[pytest.Item], kind: str, text: str) -> list[pytest.Item]:
    from _pytest.mark import KeywordMatcher, MarkMatcher
    from _pytest.mark.expression import Expression

    expression = Expression.compile(text)
    left_out = []
    for item in items:
        if kind == "keyword":
            matcher: Any = KeywordMatcher.from_item(item)
        else:
            matcher = MarkMatcher.from_markers(item.iter_markers())
        if not expression.evaluate(matcher):
            left_out.append(item)
    return left_out


def left_out_by(items: list[pytest.Item], spec: dict[str, Any]) -> list[pytest.Item]:
    """The items a learner filter (``-k``, ``-m``, ``--deselect``, paths, ...) would drop."""
    kind, values = spec["kind"], [str(v) for v in spec["values"]]
    if kind in ("keyword", "mark"):
        left: list[pytest.Item] = []
        for value in values:
            left += [i for i in _expression_filter(items, kind, value) if i not in left]
        return left
    if kind == "deselect":
        return [i for i in items if any(i.nodeid.startswith(v) for v in values)]
    if kind == "paths":
        return [i for i in items if not _kept_by_paths(i, values)]
    if kind in ("ignore", "ignore_glob"):
        return [i for i in items if any(_under(relative(str(i.path)), v) for v in values)]
    return []


def _location(item: pytest.Item) -> list[object]:
    path, line, _ = item.location
    return [relative(str(path)), (line or 0) + 1]


def _failure(item: pytest.Item, longrepr: Any) -> dict[str, Any]:
    """Where and why a test failed: the deepest frame in the test's own file."""
    crash = getattr(longrepr, "reprcrash", None)
    message = getattr(crash, "message", None) or str(longrepr).strip().splitlines()[-1:]
    path, line = _location(item)
    entries = getattr(getattr(longrepr, "reprtraceback", None), "reprentries", None) or []
    for entry in entries:
        where = getattr(entry, "reprfileloc", None)
        if where is not None and relative(str(where.path)) == path:
            line = where.lineno
    return {
        "path": path,
        "line": line,
        "message": str(message)[:MESSAGE],
        "detail": str(longrepr)[-DETAIL:],
    }


class RawOutcomes:
    """The innermost report wrapper: each report as pytest's own makereport made it.

    Registered when the tests start to run, after every conftest.py and plugin:
    among ``trylast`` wrappers the last registered is the innermost. pytest itself
    never turns a failure into a pass (xfail makes it a skip), so a failure that
    ends up passed was rewritten by a hook.
    """

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], tuple[str, Any]] = {}

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        self.seen[(item.nodeid, report.when)] = (report.outcome, report.longrepr)
        return report


class Plugin:
    """The hooks; ``filters`` are the learner's, to report (never to apply)."""

    def __init__(self, stream: Stream, filters: list[dict[str, Any]]) -> None:
        self.stream = stream
        self.filters = filters
        self.raw = RawOutcomes()

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(
        self, items: list[pytest.Item]
    ) -> Generator[None, None, None]:
        everything = list(items)
        filtered = []
        for index, spec in enumerate(self.filters):
            try:
                left = [i.nodeid for i in left_out_by(everything, spec)]
            except Exception as exc:  # noqa: BLE001 - a filter we cannot evaluate is reported
                filtered.append({"index": index, "error": str(exc)[:MESSAGE]})
                continue
            filtered.append({"index": index, "left_out": left})
        try:
            return (yield)
        finally:
            kept = {id(i) for i in items}
            self.stream.send(
                {
                    "event": "collected",
                    "tests": [[i.nodeid, *_location(i)] for i in everything],
                    "removed": [i.nodeid for i in everything if id(i) not in kept],
                    "filtered": filtered,
                }
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        session.config.pluginmanager.register(self.raw, "capstone-evaluator-raw-outcomes")

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.stream.send({"event": "deselected", "tests": [i.nodeid for i in items]})

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.stream.send(
                {
                    "event": "collect-error",
                    "nodeid": report.nodeid,
                    "path": relative(str(report.fspath)),
                    "detail": str(report.longrepr)[-DETAIL:],
                }
            )

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        # Registered before any conftest.py: this sees pytest's own report (with
        # xfail applied) before a conftest wrapper can rewrite it.
        report = yield
        event: dict[str, Any] = {
            "event": "report",
            "nodeid": item.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            "duration": round(float(call.duration), 4),
            "xfail": hasattr(report, "wasxfail"),
            "location": _location(item),
        }
        raw, raw_longrepr = self.raw.seen.pop((item.nodeid, str(report.when)), (None, None))
        if report.failed:
            event["failure"] = _failure(item, report.longrepr)
        elif raw == "failed" and report.passed:
            event["raw"] = raw
            event["failure"] = _failure(item, raw_longrepr)
        elif report.skipped and isinstance(report.longrepr, tuple):
            event["reason"] = str(report.longrepr[2])[:MESSAGE]
        self.stream.send(event)
        return report

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.stream.send({"event": "finish", "exitstatus": int(exitstatus)})
