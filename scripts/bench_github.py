"""Figures for GitHub delivery and the job queue (prints them; asserts nothing).

    .venv/bin/python scripts/bench_github.py [--rate 100] [--seconds 10] [--jobs 6]

- webhook acknowledgement latency (p50/p99) of `capstone-eval serve` at a fixed request rate
  from an open-loop load generator on loopback (signed pull_request deliveries, each queued);
- time from webhook to the posted PR comment for the bundled example (serve + worker + the
  fake GitHub API and git-over-HTTP server of the tests, real sandbox);
- jobs/hour with 1 and 2 worker processes on the bundled example (embedded SQLite queue).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluator.config import load_config  # noqa: E402
from evaluator.queue.jobqueue import JobQueue  # noqa: E402
from evaluator.queue.model import Job, JobSource, ResultTarget  # noqa: E402
from evaluator.server.signature import sign  # noqa: E402
from tests.conftest import make_git_repo  # noqa: E402
from tests.fake_github import APP_ID, app_key, fake_github, git_host  # noqa: E402
from tests.integration.github.test_webhook import SECRET, deliver, pull_request  # noqa: E402
from tests.loopback import ServeProcess, WorkerProcess, redis_server  # noqa: E402

EXAMPLE = ROOT / "examples" / "file-organizer"


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CAPSTONE_EVAL_QUEUE_URL"}
    return {**env, "CAPSTONE_EVAL_DATA": str(tmp / "data"), "GITHUB_WEBHOOK_SECRET": SECRET,
            **extra}  # fmt: skip


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_ack(tmp: Path, rate: float, seconds: float, queue_url: str = "") -> None:
    """Open loop: request i is sent at i/rate s whether or not earlier ones were answered."""
    extra = {"CAPSTONE_EVAL_QUEUE_URL": queue_url} if queue_url else {}
    serve = ServeProcess(_env(tmp, **extra), tmp / "serve.log")
    hook, total = f"{serve.url}/webhook", int(rate * seconds)
    body = pull_request()
    signature = sign(SECRET, body)
    local = threading.local()

    def one(i: int, due: float) -> tuple[float, int]:
        time.sleep(max(0.0, due - time.perf_counter()))
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        began = time.perf_counter()
        answer = session.post(hook, data=body, timeout=30, headers={
            "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": f"bench-{tmp.name}-{i}",
            "X-Hub-Signature-256": signature})  # fmt: skip
        return time.perf_counter() - began, answer.status_code

    try:
        cold, _ = one(-1, 0.0)  # a fresh server's first request loads what requests need
        with ThreadPoolExecutor(max_workers=32) as pool:  # warm-up, not counted
            list(pool.map(one, range(-200, -100), [0.0] * 100))
        start = time.perf_counter() + 0.5
        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(one, range(total), [start + i / rate for i in range(total)]))
        wall = time.perf_counter() - start
    finally:
        serve.stop()
    ms = [r[0] * 1000 for r in results]
    ok = sum(1 for r in results if r[1] == 202)
    where = "Redis (default persistence)" if queue_url else "embedded SQLite"
    print(f"webhook ack, {where} queue, at {rate:.0f} req/s for {seconds:.0f} s "
          f"({total} signed deliveries, "
          f"{ok} answered 202, achieved {total / wall:.0f} req/s):")  # fmt: skip
    print(f"  p50 {_pct(ms, 0.50):.1f} ms   p99 {_pct(ms, 0.99):.1f} ms   max {max(ms):.1f} ms "
          f"  mean {statistics.mean(ms):.1f} ms   (first request of a fresh server: "
          f"{cold * 1000:.0f} ms)")  # fmt: skip


def bench_comment(tmp: Path) -> None:
    """Webhook -> comment for the bundled example, via serve, a worker and the fake GitHub."""
    private, public = app_key()
    (tmp / "app.pem").write_text(private)
    learner = tmp / "learner"
    shutil.copytree(EXAMPLE, learner)
    sha = make_git_repo(learner, {}).head.commit.hexsha
    with fake_github(public) as fake, git_host(tmp / "git", fake) as host:
        host.publish("ada/organizer", learner)
        fake.pull_heads[7] = sha
        env = _env(tmp, GITHUB_API_URL=fake.url, GITHUB_APP_ID=APP_ID,
                   GITHUB_APP_PRIVATE_KEY_FILE=str(tmp / "app.pem"),
                   CAPSTONE_EVAL_GITHUB_WRITE_INTERVAL_S="0")  # fmt: skip
        serve = ServeProcess(env, tmp / "serve2.log")
        worker = WorkerProcess(env, tmp / "worker.log")
        time.sleep(2)  # the worker is up and idle, as in production
        try:
            began = time.perf_counter()
            deliver(f"{serve.url}/webhook", pull_request("opened", sha, host.url("ada/organizer")))
            while not fake.comments and time.perf_counter() - began < 300:
                time.sleep(0.05)
            took = time.perf_counter() - began
        finally:
            serve.stop()
            worker.stop()
    writes = len([r for r in fake.requests if r.method != "GET"])
    print(
        f"webhook -> posted PR comment, bundled example: {took:.1f} s "
        f"({writes} write requests; GitHub's pace of 1 s between writes adds ~{writes - 1} s)"
    )


def bench_throughput(tmp: Path, jobs: int) -> None:
    """Jobs/hour with 1 and 2 worker processes (one evaluation at a time each)."""
    for count in (1, 2):
        folder = tmp / f"w{count}"
        env = _env(folder)
        queue = JobQueue.open(load_config(env))
        workers = [WorkerProcess(env, folder / f"worker-{i}.log") for i in range(count)]
        time.sleep(2)
        try:
            began = time.perf_counter()
            ids = []
            for i in range(jobs):
                job = Job(
                    id=f"job-{i}",
                    source=JobSource(location=str(EXAMPLE)),
                    target=ResultTarget(kind="folder", options={"out": str(folder / str(i))}),
                )
                queue.submit(job)  # fmt: skip
                ids.append(job.id)
            records = queue.wait(ids, timeout_s=1800)
            wall = time.perf_counter() - began
        finally:
            for worker in workers:
                worker.stop()
        done = sum(1 for r in records if r.state.value == "done")
        print(
            f"{count} worker(s): {done}/{jobs} jobs in {wall:.1f} s -> "
            f"{3600 * done / wall:.0f} jobs/hour"
        )


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3, help="Latency runs per queue backend.")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {os.cpu_count()} cores, load average {load} (other work shares them with "
        "the load generator, the server and the workers)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-github-") as tmp:
        for name in ("comment", "throughput/w1", "throughput/w2"):
            (Path(tmp) / name).mkdir(parents=True)
        for run in range(args.repeat):
            (Path(tmp) / f"ack-{run}").mkdir()
            bench_ack(Path(tmp) / f"ack-{run}", args.rate, args.seconds)
        if shutil.which("redis-server"):
            with redis_server(Path(tmp) / "redis", fsync_always=False) as redis:
                for run in range(args.repeat):
                    (Path(tmp) / f"ack-redis-{run}").mkdir()
                    bench_ack(Path(tmp) / f"ack-redis-{run}", args.rate, args.seconds, redis.url)
        bench_comment(Path(tmp) / "comment")
        bench_throughput(Path(tmp) / "throughput", args.jobs)


if __name__ == "__main__":
    main()
