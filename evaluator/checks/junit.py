"""Parsing pytest's JUnit XML (pure). The file is written by learner code: parse defensively."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from evaluator.model.report import Finding

_LOCATION = re.compile(r"^(?P<path>[^\s:][^:\n]*\.py):(?P<line>\d+):", re.MULTILINE)
MAX_DETAIL = 4000


@dataclass(frozen=True, kw_only=True)
class SuiteCounts:
    """Totals of a test run and one finding per failing or erroring test."""

    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    duration_s: float = 0.0
    failures: list[Finding] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Tests that ran or were skipped."""
        return self.passed + self.failed + self.errors + self.skipped


class JUnitError(ValueError):
    """The JUnit file is not what pytest writes."""


def _location(case_file: str | None, classname: str, text: str) -> tuple[str, int | None]:
    """Best location of a failure: the deepest frame in the test's own file."""
    if case_file:
        path = case_file
    else:
        # "pkg.test_mod.TestClass" -> pkg/test_mod.py (test classes are capitalised)
        parts = classname.split(".")
        while len(parts) > 1 and parts[-1][:1].isupper():
            parts.pop()
        path = "/".join(parts) + ".py"
    line: int | None = None
    for match in _LOCATION.finditer(text):
        if match.group("path").endswith(path) or path.endswith(match.group("path")):
            line = int(match.group("line"))
    return path, line


def parse_junit(xml: bytes) -> SuiteCounts:
    """Count outcomes in a pytest JUnit XML document (xunit1 or xunit2 flavour)."""
    try:
        root = ElementTree.fromstring(xml)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise JUnitError(f"unreadable JUnit XML: {exc}") from None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if not suites:
        raise JUnitError("no <testsuite> element")
    passed = failed = errors = skipped = 0
    duration = 0.0
    findings: list[Finding] = []
    for suite in suites:
        with contextlib.suppress(ValueError):
            duration += float(suite.get("time", "0") or 0)
        for case in suite.iter("testcase"):
            outcome = next(
                (child for child in case if child.tag in ("failure", "error", "skipped")), None
            )
            if outcome is None:
                passed += 1
                continue
            if outcome.tag == "skipped":
                skipped += 1
                continue
            if outcome.tag == "failure":
                failed += 1
            else:
                errors += 1
            name = case.get("name", "?")
            classname = case.get("classname", "")
            text = (outcome.text or "").strip()
            path, line = _location(case.get("file"), classname, text)
            if line is None and case.get("line", "").isdigit():
                line = int(case.get("line", "0")) + 1  # pytest writes 0-based def lines
            message = outcome.get("message") or (text.splitlines() or ["failed"])[-1].strip()
            findings.append(
                Finding(
                    path=path,
                    line=line,
                    code="test-error" if outcome.tag == "error" else "test-failure",
                    message=f"{classname}::{name}: {message}"[:500],
                    detail=text[-MAX_DETAIL:] or None,
                )
            )
    return SuiteCounts(
        passed=passed,
        failed=failed,
        errors=errors,
        skipped=skipped,
        duration_s=round(duration, 3),
        failures=findings,
    )
