"""Hostile repositories against `capstone-eval evaluate`: what it does and what the host saw.

    .venv/bin/python scripts/bench_hostsafety.py [--only NAME ...]

Each case builds its repository (the generators of tests/adversarial/hostile.py),
runs the CLI end to end with a private TMPDIR, and prints one table row: the exit
status and what the evaluator said, the wall time, and the host-side effect
measured while it ran: the most entries and bytes its scratch folder held
(sampled every 10 ms), what was left behind, and how many marker files the
repository's hazards wrote (0 means nothing of the repository ran on the host).
Prints figures; asserts nothing. Needs the Docker engine and the sandbox image.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the generators live with the tests

from tests.adversarial.hostile import (  # noqa: E402
    HAZARDS,
    HONEST_FILES,
    arm,
    committed_repo,
    deep_folder,
    deep_repo,
    git,
    git_bomb,
    git_server,
    remove_deep,
    tree_stats,
)
from tests.conftest import write_tree  # noqa: E402

MIB = 1024 * 1024
RAW_CONTROLS = ("\x1b", "\x07", "\r", "\x9b", "\u202e")


@dataclass(kw_only=True)
class Peak:
    """The most a folder held while it was watched."""

    entries: int = 0
    bytes: int = 0
    running: bool = True

    def watch(self, folder: Path) -> None:
        while self.running:
            entries, size = tree_stats(folder)
            self.entries, self.bytes = max(self.entries, entries), max(self.bytes, size)
            time.sleep(0.01)


@dataclass(frozen=True, kw_only=True)
class Case:
    name: str
    build: Callable[[Path, Path], str]
    """(work folder, marker folder) -> the SOURCE argument."""
    env: dict[str, str] = field(default_factory=dict)
    server: bool = False


def _hazards(work: Path, markers: Path, *, clone: bool) -> str:
    repo = committed_repo(work / "repo", HONEST_FILES)
    for hazard in HAZARDS:
        arm(repo, hazard, markers)
    return f"file://{repo}" if clone else str(repo)


def _escapes(work: Path, markers: Path) -> str:
    return str(
        write_tree(
            work / "repo",
            {
                **HONEST_FILES,
                "capstone.yaml": "capstone: '1.1'\n"
                '"\\e]0;pwned\\a\\e[2J\\rverdict: graduation-ready": 1\n',
                "tests/test_rtl.py": "def test_rtl():\n    assert False, 'a\\u202eb \\x1b[2J'\n",
            },
        )
    )


def _folders(work: Path, count: int) -> str:
    for i in range(count):
        (work / "repo" / f"d{i}").mkdir(parents=True)
    write_tree(work / "repo", HONEST_FILES)
    return str(work / "repo")


def _big(work: Path) -> str:
    served = work / "served"
    repo = committed_repo(served / "big.git", {"a.py": "x\n"})
    (repo / "weights.bin").write_bytes(os.urandom(64 * MIB))
    git(repo, "add", "weights.bin")
    git(repo, "commit", "-q", "-m", "weights")
    return "big.git"


def _bad_name(work: Path) -> str:
    repo = write_tree(work / "repo", HONEST_FILES)
    (repo / os.fsdecode(b"\xff\xfe.py")).write_text("x = 1\n")
    return str(repo)


def _yaml_bomb(work: Path, markers: Path) -> str:
    return str(write_tree(work / "repo", {**HONEST_FILES, "capstone.yaml": "[" * 25_000}))


def _forged_coverage(work: Path) -> str:
    forge = (
        "import os, pathlib\n\n\ndef test_forge():\n"
        "    p = pathlib.Path('/results/coverage.json')\n"
        "    p.write_text('[]')\n    os.chmod(p, 0o444)\n"
    )
    return str(write_tree(work / "repo", {**HONEST_FILES, "tests/test_forge.py": forge}))


CASES = (
    Case(name="fsmonitor, hooks, filter, sshCommand, ... (folder)",
         build=lambda w, m: _hazards(w, m, clone=False)),
    Case(name="the same repository as a file:// clone",
         build=lambda w, m: _hazards(w, m, clone=True)),
    Case(name="ext:: URL", build=lambda w, m: f"ext::sh -c touch% {m}/ext"),
    Case(name="--upload-pack as the source", build=lambda w, m: f"--upload-pack=touch {m}/up"),
    Case(name="git bomb: 100,000 files (clone)",
         build=lambda w, m: f"file://{git_bomb(w / 'bomb')}"),
    Case(name="tree 1,100 folders deep (clone)",
         build=lambda w, m: f"file://{deep_repo(w / 'deep', 1_100)}"),
    Case(name="1,100 nested folders (folder)", build=lambda w, m: str(deep_folder(w / "d", 1_100))),
    Case(name="100,000 empty folders (folder)", build=lambda w, m: _folders(w, 100_000)),
    Case(name="64 MiB download, limit 16 MiB (http)", build=lambda w, m: _big(w),
         env={"CAPSTONE_EVAL_FETCH_MB": "16"}, server=True),
    Case(name="server never answers, limit 5 s (http)", build=lambda w, m: "stall",
         env={"CAPSTONE_EVAL_FETCH_TIMEOUT_S": "5"}, server=True),
    Case(name="file name bytes \\xff\\xfe", build=lambda w, m: _bad_name(w)),
    Case(name="coverage.json is valid JSON, not an object", build=lambda w, m: _forged_coverage(w)),
    Case(name="capstone.yaml: 25,000 nested '['", build=_yaml_bomb),
    Case(name="CAPSTONE_EVAL_CPUS=abc", build=lambda w, m: str(write_tree(w / "r", HONEST_FILES)),
         env={"CAPSTONE_EVAL_CPUS": "abc"}),
    Case(name="ESC, BEL, CR, U+202E in YAML key and test output", build=_escapes),
    Case(name="evaluate file:///etc", build=lambda w, m: "file:///etc"),
)  # fmt: skip


@contextmanager
def _served(case: Case, work: Path, source: str) -> Iterator[str]:
    if not case.server:
        yield source
        return
    behaviour = "stall" if source == "stall" else "serve"
    with git_server(work / "served", behaviour=behaviour, rate=16 * MIB) as server:
        yield server.url(source)


def _said(done: subprocess.CompletedProcess[str], out: Path) -> str:
    """What the evaluator said: the error line, else the checks that did not pass."""
    for line in done.stderr.splitlines():
        if line.startswith("error: "):
            return line[len("error: ") :]
    try:
        report: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    except OSError:
        return "no report"
    bad = [f"{c['id']} {c['status']}" for c in report["checks"] if c["status"] != "pass"]
    return "evaluated; " + (", ".join(bad) or "every check passed")


def run_case(case: Case, base: Path) -> dict[str, Any]:
    """Build, evaluate and measure one case."""
    work, markers, scratch, out = (base / n for n in ("work", "markers", "tmp", "out"))
    for folder in (work, markers, scratch):
        folder.mkdir(parents=True)
    source = case.build(work, markers)
    peak = Peak()
    watcher = threading.Thread(target=peak.watch, args=(scratch,), daemon=True)
    with _served(case, work, source) as location:
        watcher.start()
        began = time.monotonic()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "evaluator",
                "evaluate",
                "--out",
                str(out),
                "-q",
                "--",
                location,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "TMPDIR": str(scratch), **case.env},
            check=False,
        )
        took = time.monotonic() - began
        peak.running = False
        watcher.join()
    shown = (
        done.stdout
        + done.stderr
        + "".join(
            (out / n).read_text(encoding="utf-8")
            for n in ("report.md", "report.html")
            if (out / n).exists()
        )
    )
    row = {
        "case": case.name,
        "exit": done.returncode,
        "said": _said(done, out)[:90],
        "time_s": took,
        "peak": f"{peak.entries} / {peak.bytes / MIB:.1f} MiB",
        "left": tree_stats(scratch)[0],
        "markers": len(list(markers.iterdir())),
        "raw": sum(shown.count(c) for c in RAW_CONTROLS),
    }
    remove_deep(base)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run the cases whose name contains these")
    args = parser.parse_args()
    rows = []
    for case in CASES:
        if args.only and not any(word in case.name for word in args.only):
            continue
        with tempfile.TemporaryDirectory(prefix="bench-host-") as tmp:
            rows.append(run_case(case, Path(tmp) / "case"))
        print(f"  done: {case.name}", file=sys.stderr)
    print("| case | exit | what the evaluator does | time | scratch peak (entries / size) "
          "| left behind | markers | raw controls shown |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['case']} | {r['exit']} | {r['said']} | {r['time_s']:.1f} s | {r['peak']} "
            f"| {r['left']} | {r['markers']} | {r['raw']} |"
        )


if __name__ == "__main__":
    main()
