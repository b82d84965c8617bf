"""Figures for the sandbox (prints them; asserts nothing).

    .venv/bin/python scripts/bench_sandbox.py [--evaluator-src DIR] [--only cheats sigkill fill]

- cheats: each hostile repository of tests/adversarial/sandbox_repos.py and its
  honest twin through `capstone-eval evaluate`: the tests and coverage checks,
  and (this checkout only) the integrity findings of the test runs;
- sigkill: the evaluator SIGKILLed while a test loops forever (time limit 10 s):
  when the container stopped, and what the next `evaluate` reaped;
- fill: a test writing 2 GiB and 300,000 files: how far the host's free space
  and inodes fell meanwhile, and what the report says.

``--evaluator-src DIR`` runs another checkout of the evaluator instead (for the
"before" figures: ``git archive REV | tar -x -C DIR``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import docker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.adversarial import sandbox_repos as repos  # noqa: E402
from tests.conftest import write_tree  # noqa: E402

CHEATS: list[tuple[str, Callable[[], dict[str, str]]]] = [
    ("honest twin", repos.honest),
    ("sitecustomize.py at the root", repos.sitecustomize_root),
    ("sitecustomize.py in src/", repos.sitecustomize_src),
    ("a coverage/ package", repos.coverage_package),
    ("addopts -k/--deselect/-m, manifest tests:", repos.filters),
    ("a test writes /results files", repos.writes_results),
    ("pytest_unconfigure rewrites results", repos.unconfigure_hook),
    ("conftest hookwrapper flips outcomes", repos.outcome_hook_outer),
    ("conftest trylast hookwrapper flips outcomes", repos.outcome_hook_inner),
    ("conftest hook fabricates every report", repos.outcome_hook_replaces),
    ("a background process rewrites results", repos.background_process),
]
WALL_S = 10
DOCKER_ROOT = "/var/lib/docker"
OWNER = "capstone-evaluator.owner"
PURPOSE = "capstone-evaluator.purpose"


def cli(src: Path | None, args: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """`capstone-eval ARGS` of this checkout, or of ``src``."""
    env = dict(env)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return subprocess.Popen(
        [sys.executable, "-m", "evaluator", *args],
        env=env,
        cwd=src or ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def evaluate_json(src: Path | None, folder: Path, env: Mapping[str, str]) -> dict[str, Any]:
    done = cli(src, ["evaluate", str(folder), "--json", "-q", "--out", str(folder) + "-out"], env)
    out, err = done.communicate(timeout=1200)
    if not out.strip():
        raise SystemExit(err.decode(errors="replace"))
    return dict(json.loads(out))


def check_line(report: dict[str, Any], check_id: str) -> str:
    found = next((c for c in report["checks"] if c["id"] == check_id), None)
    return f"{found['status']}: {found['summary']}" if found else "(no check)"


def integrity_codes(folder: Path) -> str:
    """Integrity findings of this checkout's test runs (the report shows them once the
    integrity check exists)."""
    from evaluator.checks.suite_plan import plan_suite
    from evaluator.checks.tests import run_suite, suite_evidence
    from evaluator.config import load_config
    from evaluator.intake.manifest import load_manifest
    from evaluator.sandbox.engine import DockerEngine

    config = load_config(os.environ)
    plan = plan_suite(folder, load_manifest(folder).manifest)
    engine = DockerEngine.connect(config.docker_host)
    outcomes = run_suite(engine, config.sandbox_image, plan, config.limits, folder)
    found = suite_evidence(outcomes, plan=plan, limits=config.limits, coverage_min=60).integrity
    return ", ".join(sorted({f.code for f in found})) or "none"


def cheats(src: Path | None) -> None:
    print("== cheats: tests check | coverage check | integrity findings")
    for label, make in CHEATS:
        with tempfile.TemporaryDirectory() as tmp:
            folder = write_tree(Path(tmp) / "repo", make())
            began = time.perf_counter()
            report = evaluate_json(src, folder, os.environ)
            took = time.perf_counter() - began
            flags = integrity_codes(folder) if src is None else "-"
            print(f"{label:45} {took:5.1f} s | {check_line(report, 'tests')}")
            print(f"{'':45}         | {check_line(report, 'coverage')} | {flags}")


def docker_seconds(state: Mapping[str, str]) -> float:
    """Seconds between a container's start and its end, from ``docker inspect``."""

    def parse(text: str) -> float:
        head, _, fraction = text.rstrip("Z").partition(".")
        return time.mktime(time.strptime(head, "%Y-%m-%dT%H:%M:%S")) + float(f"0.{fraction or 0}")

    return parse(state["FinishedAt"]) - parse(state["StartedAt"])


def test_container(client: Any, owner: str) -> Any:
    """The running test container of evaluator ``owner`` (waits for it)."""
    while True:
        for container in client.containers.list(filters={"label": f"{OWNER}={owner}"}):
            if "tests" in container.labels.get(PURPOSE, ""):
                return container
        time.sleep(0.1)


def stopped_by_itself(container: Any, killed_at: float) -> str:
    try:
        container.wait(timeout=WALL_S + 30)
    except Exception:  # noqa: BLE001 - the old engine's container runs on: say so
        return f"still running {time.monotonic() - killed_at:.0f} s after the kill"
    container.reload()
    return f"stopped by itself after running {docker_seconds(container.attrs['State']):.2f} s"


def sigkill(src: Path | None) -> None:
    print(f"== SIGKILLed evaluator, a test that loops forever, time limit {WALL_S} s")
    client = docker.from_env()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "scratch"
        scratch.mkdir()
        env = {**os.environ, "TMPDIR": str(scratch), "CAPSTONE_EVAL_TIMEOUT_S": str(WALL_S)}
        folder = write_tree(Path(tmp) / "looping", repos.loops_forever())
        killed = cli(src, ["evaluate", str(folder), "-q", "--out", f"{tmp}/out"], env)
        container = test_container(client, f"{socket.gethostname()}:{killed.pid}")
        killed.send_signal(signal.SIGKILL)
        print("container " + stopped_by_itself(container, time.monotonic()))
        killed.wait()
        volumes = [m["Name"] for m in container.attrs["Mounts"] if m["Type"] == "volume"]
        print(f"left behind: the container, {len(volumes)} volume(s), {scratch_names(scratch)}")
        honest = write_tree(Path(tmp) / "honest", repos.honest())
        cli(src, ["evaluate", str(honest), "-q", "--out", f"{tmp}/out2"], env).communicate()
        gone = not client.containers.list(all=True, filters={"id": container.id})
        left = [v for v in volumes if client.volumes.list(filters={"name": v})]
        print(f"after the next evaluate: container {'removed' if gone else 'still there'}, ")
        print(f"  volumes left {len(left)}, scratch folders left {scratch_names(scratch)}")
        if not gone:
            container.remove(force=True, v=True)


def scratch_names(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir()]


@contextlib.contextmanager
def host_drop(places: tuple[str, ...]) -> Iterator[dict[str, int]]:
    """Largest fall of free bytes and inodes on ``places`` while the block runs."""
    start = {p: os.statvfs(p) for p in places}
    drop = {"bytes": 0, "inodes": 0}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for place in places:
                now, then = os.statvfs(place), start[place]
                drop["bytes"] = max(drop["bytes"], (then.f_bavail - now.f_bavail) * now.f_frsize)
                drop["inodes"] = max(drop["inodes"], then.f_favail - now.f_favail)
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield drop
    finally:
        done.set()
        thread.join()


def free_line(label: str) -> str:
    free = os.statvfs(DOCKER_ROOT)
    gib = free.f_bavail * free.f_frsize / 1024**3
    return f"host {label}: {gib:.2f} GiB, {free.f_favail:,} inodes free"


def fill(src: Path | None) -> None:
    print("== a test writing 2 GiB and 300,000 files")
    print(free_line("before"))
    with tempfile.TemporaryDirectory() as tmp, host_drop((DOCKER_ROOT, tmp)) as drop:
        folder = write_tree(Path(tmp) / "repo", repos.fills_disk())
        began = time.perf_counter()
        report = evaluate_json(src, folder, os.environ)
        took = time.perf_counter() - began
    print(free_line("after "))
    mib = drop["bytes"] / 1024**2
    print(f"largest fall during the run: {mib:.0f} MiB, {drop['inodes']:,} inodes ({took:.1f} s)")
    print(f"tests: {check_line(report, 'tests')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--evaluator-src", type=Path, help="another checkout to measure")
    parser.add_argument("--only", nargs="*", choices=["cheats", "sigkill", "fill"])
    args = parser.parse_args()
    parts = {"cheats": cheats, "sigkill": sigkill, "fill": fill}
    for name in args.only or list(parts):
        parts[name](args.evaluator_src)


if __name__ == "__main__":
    main()
