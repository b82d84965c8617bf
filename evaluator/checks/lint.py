"""The ``lint`` check: ruff on the host, with the evaluator's rules.

ruff only parses files (it never imports or runs them), so it is safe on the
host. Nothing in the repository configures it or hides a file from it:
``--isolated`` ignores every ruff configuration file, ``--ignore-noqa`` every
``# noqa`` / ``# ruff: noqa`` / ``# ruff: ignore`` comment (counted for
information by the integrity scan), ``--no-respect-gitignore`` the
``.gitignore`` / ``.ignore`` files, and ``--exclude`` replaces ruff's default
excluded folder names (``dist``, ``build``, ``site-packages``, ...) with the
evaluator's own list, the folders that are never copied into a workspace.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from evaluator import proc
from evaluator.errors import SetupError
from evaluator.intake.workspace import SKIPPED_DIRS
from evaluator.model.report import CheckResult, Finding, Status

MAX_FINDINGS = 500
#: The only folders ruff skips: those the workspace copy leaves out anyway. A module
#: moved into ``dist/`` or ``build/`` is linted like any other.
LINT_EXCLUDE: tuple[str, ...] = tuple(sorted(SKIPPED_DIRS))


def ruff_binary() -> str:
    """Path of the ruff executable installed with the evaluator."""
    candidate = Path(sys.executable).with_name("ruff")
    if candidate.is_file():
        return str(candidate)
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:  # pragma: no cover - ruff is a declared dependency
        raise SetupError("ruff is not installed", hint="pip install ruff") from None
    return str(find_ruff_bin())


def ruff_argv(ruff: str, rules: tuple[str, ...]) -> list[str]:
    """ruff command line (pure)."""
    return [
        ruff,
        "check",
        "--isolated",
        "--ignore-noqa",
        "--no-respect-gitignore",
        f"--exclude={','.join(LINT_EXCLUDE)}",
        "--no-cache",
        "--exit-zero",
        "--output-format=json",
        "--target-version=py311",
        f"--select={','.join(rules)}",
        ".",
    ]


def parse_ruff_json(text: str, root: Path) -> list[Finding]:
    """Findings from ruff's JSON output, paths relative to ``root`` (pure)."""
    findings = []
    for item in json.loads(text or "[]"):
        filename = Path(item.get("filename", ""))
        try:
            rel = filename.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            rel = filename.name
        location = item.get("location") or {}
        findings.append(
            Finding(
                path=rel,
                line=location.get("row"),
                column=location.get("column"),
                code=item.get("code") or "syntax-error",
                message=str(item.get("message", "")),
            )
        )
    findings.sort(key=lambda f: (f.path, f.line or 0, f.column or 0))
    return findings


def lint_check(
    findings: list[Finding], rules: tuple[str, ...], budget: int, noqa_directives: int = 0
) -> CheckResult:
    """Decide the lint check from findings (pure); ``noqa_directives`` is reported only."""
    by_code: dict[str, int] = {}
    for finding in findings:
        by_code[finding.code] = by_code.get(finding.code, 0) + 1
    count = len(findings)
    ok = count <= budget
    top = ", ".join(
        f"{code} x{n}" for code, n in sorted(by_code.items(), key=lambda kv: -kv[1])[:5]
    )
    summary = f"{count} ruff violation(s)" + (f" ({top})" if top else "")
    if not ok:
        summary += f"; at most {budget} allowed: run `ruff check --fix` and fix the rest"
    if noqa_directives:
        summary += f"; {noqa_directives} suppression comment(s) ignored"
    return CheckResult(
        id="lint",
        status=Status.PASS if ok else Status.FAIL,
        summary=summary,
        metrics={
            "violations": count,
            "budget": budget,
            "rules": ",".join(rules),
            "noqa_directives": noqa_directives,
        },
        findings=findings[:MAX_FINDINGS],
        details={"by_code": by_code},
    )


def run_lint(
    workspace: Path, rules: tuple[str, ...], budget: int, noqa_directives: int = 0
) -> CheckResult:
    """Run ruff over every Python file of the workspace and decide the lint check."""
    done = proc.run(ruff_argv(ruff_binary(), rules), cwd=workspace, check=False, timeout=300)
    if done.returncode != 0:
        return CheckResult(
            id="lint",
            status=Status.ERROR,
            summary=f"ruff could not lint the repository (exit {done.returncode})",
            log=(done.stderr or done.stdout)[-4000:],
        )
    return lint_check(parse_ruff_json(done.stdout, workspace), rules, budget, noqa_directives)
