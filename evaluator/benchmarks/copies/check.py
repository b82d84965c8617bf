"""Flag copies of the hidden data in the learner's workspace and installed dependencies.

A public test set (MNIST, CIFAR) or held-out text that the learner ships lets a
model look the answers up; perturbing the hidden inputs defeats an exact lookup,
not a nearest-neighbour one. Each evaluation samples fingerprints of the hidden
data; the workspace is scanned on the host, and the files the learner's
dependency installation added to its image (modified after the sandbox image was
built) are scanned in a container of that image, by the stdlib-only scanner run
with ``python -I -S``. Two sampled examples found byte for byte in one file make an
``integrity/test-set-copy`` finding.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from evaluator.benchmarks.copies.fingerprint import MIN_MATCHES, Needle
from evaluator.benchmarks.copies.scan import Scan, scan_tree
from evaluator.benchmarks.sandboxed import (
    BENCH_INPUTS,
    BenchContext,
    Step,
    run_step,
    scratch,
    write_json,
)
from evaluator.benchmarks.sandboxed import read_json as read_result
from evaluator.model.report import Finding
from evaluator.sandbox.spec import RESULTS

CODE = "integrity/test-set-copy"
#: Bytes the host reads and unpacks in one workspace scan.
WORKSPACE_BUDGET = 2 * 1024**3
SCANNER = Path(__file__).with_name("scan.py")


@dataclass(frozen=True, kw_only=True)
class CopyScan:
    """Findings of one scan, and what it could not finish."""

    findings: tuple[Finding, ...]
    incomplete: tuple[str, ...]
    files: int


def _findings(
    hits: dict[str, set[int]], incomplete: list[str], *, sampled: int, what: str, where: str
) -> tuple[Finding, ...]:
    out = [
        Finding(
            path=f"{where}{path}",
            code=CODE,
            message=(
                f"holds a copy of the {what}: {len(found)} of {sampled} sampled hidden examples "
                "found byte for byte, so a model can look the answers up; remove it and load "
                "training data only"
            ),
        )
        for path, found in sorted(hits.items())
        if len(found) >= MIN_MATCHES
    ]
    out += [
        Finding(
            path=f"{where}{path}",
            code=CODE,
            message=f"could not be scanned for a copy of the {what} (it unpacks to more than "
            "the scan allows); a mentor should look at it",
        )
        for path in incomplete
    ]
    return tuple(out)


def _sampled(needles: list[Needle]) -> int:
    return len({needle.example for needle in needles})


def scan_workspace(root: Path, needles: list[Needle], *, what: str) -> CopyScan:
    """Scan the learner's workspace on the host (it only reads and unpacks bytes)."""
    scan = Scan(needles=[(n.example, n.data) for n in needles], budget=WORKSPACE_BUDGET)
    scan_tree(scan, root)
    findings = _findings(scan.hits, scan.incomplete, sampled=_sampled(needles), what=what, where="")
    return CopyScan(findings=findings, incomplete=tuple(scan.incomplete), files=scan.files)


def image_created(ctx: BenchContext, image: str) -> float | None:
    """When ``image`` was built (seconds since the epoch), from the engine; None if unknown."""
    try:
        created = str(ctx.engine.client.images.get(image).attrs["Created"])
        # The engine writes nanoseconds ("...T10:11:12.123456789Z"); Python reads microseconds.
        stamp, _, fraction = created.rstrip("Z").partition(".")
        parsed = datetime.fromisoformat(f"{stamp}.{(fraction or '0')[:6]}+00:00")
    except Exception:  # noqa: BLE001 - an image the engine cannot describe is not scanned
        return None
    return parsed.timestamp()


def scan_dependencies(
    ctx: BenchContext, needles: list[Needle], *, base_image: str, what: str
) -> CopyScan:
    """Scan what the learner's dependency installation added to ``ctx.image``."""
    since = image_created(ctx, base_image)
    if since is None:
        return CopyScan(findings=(), incomplete=("(dependency image)",), files=0)
    payload = {"needles": [[n.example, base64.b64encode(n.data).decode()] for n in needles]}
    step = Step(
        name="copy-scan",
        harness=SCANNER,
        args=["--needles", f"{BENCH_INPUTS}/needles.json", "--since", f"{since:.3f}",
              "--out", RESULTS],
        write_inputs=lambda folder: write_json(folder, "needles.json", payload),
        what="the scan of installed dependencies",
        interpreter=("python", "-I", "-S"),
        with_workspace=False,
    )  # fmt: skip
    with scratch() as work:
        done = run_step(ctx, work, step)
        result = read_result(done.results / "hits.json")
    if done.problem is not None or not result:
        return CopyScan(findings=(), incomplete=("(dependency image)",), files=0)
    hits = {
        str(h.get("path")): {int(e) for e in h.get("examples", [])}
        for h in result.get("hits", [])
        if isinstance(h, dict)
    }
    incomplete = [str(p) for p in result.get("incomplete", [])]
    findings = _findings(
        hits, incomplete, sampled=_sampled(needles), what=what, where="installed dependency: "
    )
    return CopyScan(
        findings=findings, incomplete=tuple(incomplete), files=int(result.get("files", 0))
    )
