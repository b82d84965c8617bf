"""The ``dockerfile`` check: a Dockerfile that Docker's own parser accepts, with a base image.

Parsing is done by the ``dockerfile`` package, which wraps moby/buildkit's
parser, the one ``docker build`` runs: "parses" means what it means to Docker
(line continuations, heredocs, JSON forms, parser directives), not what a
regular expression guesses. The instruction rules buildkit applies after
parsing (known instructions, FROM first, arguments present) are checked here.
Nothing is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import dockerfile

from evaluator.intake.workspace import workspace_files
from evaluator.model.report import CheckResult, Finding, MetricValue, Status

MAX_DOCKERFILE_BYTES = 256 * 1024
#: Instructions Docker knows (https://docs.docker.com/reference/dockerfile/).
INSTRUCTIONS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
        "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
        "WORKDIR",
    }
)  # fmt: skip
_EXEC_FORM = frozenset({"CMD", "ENTRYPOINT", "RUN", "SHELL"})


def find_dockerfile(root: Path) -> str | None:
    """``Dockerfile`` at the root, else the first Dockerfile (``*.Dockerfile``,
    ``Dockerfile.*``) anywhere in the repository."""
    files = workspace_files(root)
    if "Dockerfile" in files:
        return "Dockerfile"
    for rel in files:
        name = PurePosixPath(rel).name
        if name == "Dockerfile" or name.endswith(".Dockerfile") or name.startswith("Dockerfile."):
            return rel
    return None


def _problem(path: str, command: dockerfile.Command, message: str, code: str) -> Finding:
    return Finding(path=path, line=command.start_line, code=code, message=message)


def instruction_findings(path: str, commands: Sequence[dockerfile.Command]) -> list[Finding]:
    """What ``docker build`` would refuse, and exec forms it would run as shell text (pure)."""
    findings: list[Finding] = []
    first = next((c for c in commands if c.cmd.upper() != "ARG"), None)
    if first is not None and first.cmd.upper() in INSTRUCTIONS - {"FROM"}:
        findings.append(
            _problem(
                path,
                first,
                f"{first.cmd.upper()} before FROM: start with a base image",
                "dockerfile-no-from",
            )
        )
    for command in commands:
        name = command.cmd.upper()
        if name not in INSTRUCTIONS:
            findings.append(
                _problem(path, command, f"unknown instruction {command.cmd}", "dockerfile-unknown")
            )
        elif not any(part.strip() for part in command.value) and not command.heredocs:
            findings.append(
                _problem(path, command, f"{name} needs an argument", "dockerfile-empty")
            )
        elif name == "FROM" and len(command.value) not in (1, 3):
            findings.append(
                _problem(
                    path, command, "FROM takes an image, optionally 'AS name'", "dockerfile-from"
                )
            )
        elif name in _EXEC_FORM and not command.json and command.value[0].lstrip().startswith("["):
            findings.append(
                _problem(
                    path,
                    command,
                    f"{name} looks like a JSON array but is not valid JSON (Docker runs it as "
                    'shell text): use double quotes, e.g. ["python", "app.py"]',
                    "dockerfile-json-form",
                )
            )
    return findings


def _metrics(commands: Sequence[dockerfile.Command], errors: int) -> dict[str, MetricValue]:
    names = [c.cmd.upper() for c in commands]
    froms = [c for c in commands if c.cmd.upper() == "FROM" and c.value]
    return {
        "instructions": len(commands),
        "stages": len(froms),
        "base_image": froms[-1].value[0] if froms else None,
        "has_cmd": "CMD" in names or "ENTRYPOINT" in names,
        "exposes": " ".join(v for c in commands if c.cmd.upper() == "EXPOSE" for v in c.value)
        or None,
        "errors": errors,
    }


def dockerfile_check(root: Path) -> CheckResult:
    """Find the Dockerfile, parse it as Docker does, and apply Docker's instruction rules."""
    rel = find_dockerfile(root)
    if rel is None:
        return CheckResult(
            id="dockerfile",
            status=Status.FAIL,
            summary="no Dockerfile: add one at the repository root that builds and starts the app",
            metrics={"present": False},
        )
    path = root / rel
    if path.stat().st_size > MAX_DOCKERFILE_BYTES:
        return CheckResult(
            id="dockerfile",
            status=Status.FAIL,
            summary=f"{rel} is larger than 256 KiB",
            metrics={"present": True},
        )
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        return CheckResult(
            id="dockerfile",
            status=Status.FAIL,
            summary=f"{rel} does not parse: {exc}",
            metrics={"present": True, "parses": False},
            findings=[Finding(path=rel, code="dockerfile-syntax", message=str(exc))],
        )
    findings = instruction_findings(rel, commands)
    errors = [f for f in findings if f.code != "dockerfile-json-form"]
    metrics: dict[str, MetricValue] = {
        "present": True,
        "parses": True,
        **_metrics(commands, len(errors)),
    }
    if errors:
        summary = f"{rel}: {errors[0].message} (line {errors[0].line})" + (
            f" and {len(errors) - 1} more problem(s)" if len(errors) > 1 else ""
        )
    else:
        summary = f"{rel} parses: {metrics['stages']} stage(s) from {metrics['base_image']}"
        if not metrics["has_cmd"]:
            summary += "; no CMD or ENTRYPOINT says how to start the app"
        if findings:
            summary += f"; {findings[0].message} (line {findings[0].line})"
    return CheckResult(
        id="dockerfile",
        status=Status.FAIL if errors else Status.PASS,
        summary=summary,
        metrics=metrics,
        findings=findings,
    )
