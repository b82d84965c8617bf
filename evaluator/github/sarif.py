"""Lint findings as SARIF 2.1.0, for GitHub code scanning (pure).

The findings are the ones in ``report.json`` (ruff run by the evaluator with the
programme's rules), so code scanning shows exactly what the report counted.
"""

from __future__ import annotations

from typing import Any

from evaluator import __version__
from evaluator.model.report import Report
from evaluator.reporting.view import build_view

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def ruff_sarif(report: Report) -> dict[str, Any]:
    """A SARIF log with one result per lint finding of ``report``."""
    findings = build_view(report).lint_findings
    rules = sorted({f.code for f in findings})
    results = []
    for finding in findings:
        region: dict[str, int] = {"startLine": max(finding.line or 1, 1)}
        if finding.column:
            region["startColumn"] = finding.column
        results.append(
            {
                "ruleId": finding.code,
                "ruleIndex": rules.index(finding.code),
                "level": "warning",
                "message": {"text": finding.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                            "region": region,
                        }
                    }
                ],
            }
        )
    driver = {
        "name": "capstone-evaluator (ruff)",
        "version": __version__,
        "informationUri": "https://docs.astral.sh/ruff/rules/",
        "rules": [{"id": code, "helpUri": f"https://docs.astral.sh/ruff/rules/#{code}"}
                  for code in rules],
    }  # fmt: skip
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
