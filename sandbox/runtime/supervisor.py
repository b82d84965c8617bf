"""The sandbox's first process: runs one learner command and reports on it.

Runs as PID 1 of the container, as root with only SETUID, SETGID and KILL
(``no-new-privileges``), started as ``python3 -I -S supervisor.py CONFIG``:
standard library only, nothing from site-packages or the workspace. It

1. copies the workspace from the evaluator's read-only input volume into the
   size- and inode-bounded ``/workspace`` (as the learner: root here has no
   DAC_OVERRIDE);
2. runs the command as the learner (uid 10001, or root with every capability
   dropped), in its own session, reading its stdout/stderr (and, if asked, a
   result stream on fd 3) through pipes, keeping bounded tails;
3. enforces the wall-time limit itself, so it holds when the evaluator is dead;
4. kills every remaining process of the container (the learner cannot signal
   PID 1: it runs under another uid, and the kernel drops SIGKILL/SIGSTOP sent
   to a namespace's init from inside);
5. only then collects ``/results`` (regular files only, capped) and writes one
   framed, base64-encoded tar to its own stdout, which no learner process ever
   held: the host reads it from the container log.

The evaluator's host side (``evaluator/sandbox/frame.py``) parses the frame.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import selectors
import shutil
import signal
import sys
import time

# Helpers sit next to this file, in the evaluator's read-only input volume.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from handback import emit, frame, gather_results
from privileges import become, run_as

EVENTS_FD = 3
POLL_S = 0.25  # how often the bounded file systems are checked for being full
SETTLE_S = 5.0  # how long killed processes get to disappear
PR_SET_DUMPABLE = 4


class Tail:
    """The last ``limit`` bytes of a stream, and whether anything was cut."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.cut = False

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        if len(self.data) > 2 * self.limit:
            del self.data[: len(self.data) - self.limit]
            self.cut = True

    def value(self) -> bytes:
        if len(self.data) > self.limit:
            self.cut = True
            return bytes(self.data[-self.limit :])
        return bytes(self.data)


class Capped:
    """The first ``limit`` bytes of a stream (the result stream is read from its start)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.over = False

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        if len(chunk) > room:
            self.over = True
        self.data += chunk[: max(room, 0)]


class Watch:
    """Peak use of one bounded file system, to say "full" with its limits."""

    def __init__(self, spec: dict[str, object]) -> None:
        self.path = str(spec["path"])
        self.name = str(spec["name"])
        self.full_space = False
        self.full_files = False

    def check(self) -> None:
        try:
            st = os.statvfs(self.path)
        except OSError:
            return
        # Full: less free space than one write of Python's buffer size, or no inode left.
        if st.f_bavail * st.f_frsize < 64 * 1024:
            self.full_space = True
        if st.f_files and st.f_ffree <= 1:
            self.full_files = True


def seed(source: str, target: str) -> None:
    """Copy the evaluator's read-only input into a writable, bounded place."""
    for entry in os.scandir(source):
        dest = os.path.join(target, entry.name)
        if entry.is_dir(follow_symlinks=False):
            shutil.copytree(entry.path, dest, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copy2(entry.path, dest, follow_symlinks=False)


class Run:
    """One supervised command: its pipes, tails and deadline."""

    def __init__(self, config: dict[str, object], deadline: float) -> None:
        self.config = config
        self.deadline = deadline
        tail = int(config["tail_bytes"])  # type: ignore[arg-type]
        self.out, self.err = Tail(tail), Tail(tail)
        self.events = Capped(int(config.get("events_bytes", 0)))  # type: ignore[arg-type]
        self.watches = [Watch(w) for w in config.get("watch", [])]  # type: ignore[attr-defined]
        self.timed_out = False
        self.status: int | None = None
        self.leftover = 0

    def start(self) -> tuple[int, dict[int, object]]:
        """Spawn the command; returns its pid and {read fd: sink}."""
        user = self.config.get("user")
        pipes = {name: os.pipe() for name in ("out", "err", "events")}
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.dup2(pipes["out"][1], 1)
                os.dup2(pipes["err"][1], 2)
                if self.config.get("events"):
                    os.dup2(pipes["events"][1], EVENTS_FD)
                    os.set_inheritable(EVENTS_FD, True)
                os.closerange(EVENTS_FD + 1 if self.config.get("events") else 3, 1 << 16)
                become(user)  # type: ignore[arg-type]
                os.chdir(str(self.config["workdir"]))
                command = [str(a) for a in self.config["command"]]  # type: ignore[attr-defined]
                os.execvpe(command[0], command, os.environ)
            except BaseException as exc:  # noqa: BLE001 - report anything, then leave
                os.write(2, f"the sandbox could not start the command: {exc}\n".encode())
            os._exit(127)
        sinks: dict[int, object] = {
            pipes["out"][0]: self.out,
            pipes["err"][0]: self.err,
            pipes["events"][0]: self.events,
        }
        for read_end, write_end in pipes.values():
            os.close(write_end)
            os.set_blocking(read_end, False)
        if not self.config.get("events"):
            os.close(pipes["events"][0])
            del sinks[pipes["events"][0]]
        return pid, sinks

    def supervise(self, wake: int) -> None:
        """Run the command to its end or its deadline, then leave no process behind."""
        pid, sinks = self.start()
        selector = selectors.DefaultSelector()
        for fd in sinks:
            selector.register(fd, selectors.EVENT_READ)
        selector.register(wake, selectors.EVENT_READ)
        next_poll = 0.0
        while True:
            now = time.monotonic()
            if now >= next_poll:
                for watch in self.watches:
                    watch.check()
                next_poll = now + POLL_S
            self.status = reap(pid, self.status)
            if self.status is not None:
                break
            if now >= self.deadline and not self.timed_out:
                self.timed_out = True
                kill_all()
            timeout = max(0.0, min(self.deadline, next_poll) - now) if not self.timed_out else 0.05
            self.pump(selector, sinks, wake, timeout)
        for watch in self.watches:
            watch.check()
        # The command is done: whatever it left running goes now, and the pipes
        # reach end of file once the last writer is gone.
        leftover = kill_all()
        self.leftover = 0 if self.timed_out else leftover
        until = time.monotonic() + SETTLE_S
        while sinks and time.monotonic() < until:
            reap(pid, self.status)
            self.pump(selector, sinks, wake, min(0.05, until - time.monotonic()))
        for fd in list(sinks):
            os.close(fd)
        settle()

    @staticmethod
    def pump(
        selector: selectors.BaseSelector, sinks: dict[int, object], wake: int, timeout: float
    ) -> None:
        """Wait up to ``timeout`` for output (or a child's exit) and take what came."""
        for key, _ in selector.select(max(timeout, 0.0)):
            if key.fd == wake:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake, 4096)
            else:
                drain(key.fd, sinks, selector)

    def outcome(self) -> dict[str, object]:
        code = self.status
        return {
            "exit_code": code if code is None or code >= 0 else None,
            "signal": -code if code is not None and code < 0 else None,
            "timed_out": self.timed_out,
            "leftover_processes": self.leftover,
            "full": [
                {"name": w.name, "path": w.path, "space": w.full_space, "files": w.full_files}
                for w in self.watches
                if w.full_space or w.full_files
            ],
            "events_over": self.events.over,
        }


def drain(fd: int, sinks: dict[int, object], selector: selectors.BaseSelector) -> None:
    """Read what is there; close at end of file."""
    try:
        chunk = os.read(fd, 65536)
    except BlockingIOError:
        return
    if chunk:
        sinks[fd].add(chunk)  # type: ignore[attr-defined]
        return
    selector.unregister(fd)
    os.close(fd)
    del sinks[fd]


def reap(pid: int, status: int | None) -> int | None:
    """Collect every finished child (orphans are re-parented to PID 1); the command's status."""
    while True:
        try:
            found, raw = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if found == 0:
            return status
        if found == pid:
            status = os.waitstatus_to_exitcode(raw)


def other_processes() -> list[int]:
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me]


def kill_all() -> int:
    """SIGKILL every other process in the container; how many there were."""
    others = other_processes()
    if others:
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
    return len(others)


def settle() -> None:
    """Wait until every killed process is gone and reaped."""
    until = time.monotonic() + SETTLE_S
    while time.monotonic() < until:
        kill_all()
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        if not other_processes():
            return
        time.sleep(0.01)


def wake_on_child_exit() -> int:
    """A pipe that becomes readable when a child exits (so the loop never sleeps past it)."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    return wake_read


def seed_all(config: dict[str, object]) -> list[str]:
    """Copy every evaluator input into its writable place, as the learner; the problems."""
    problems = []
    for source, target in config.get("seed", []):  # type: ignore[attr-defined]
        if run_as(config.get("user"), seed, source, target) != 0:  # type: ignore[arg-type]
            problems.append(f"the workspace could not be copied into {target}")
    return problems


def hand_back(config: dict[str, object], run: Run, started: float, problems: list[str]) -> None:
    """Collect the result files and write the report (every learner process is gone)."""
    outcome = run.outcome()
    outcome["duration_s"] = round(time.monotonic() - started, 3)
    results_tar = b""
    if config.get("results_dir"):
        results_tar, problem = gather_results(config)
        if problem:
            problems.append(problem)
    stdout, stderr = run.out.value(), run.err.value()
    outcome |= {
        "problems": problems,
        "stdout_truncated": run.out.cut,
        "stderr_truncated": run.err.cut,
    }
    members = {
        "outcome.json": json.dumps(outcome).encode(),
        "stdout": stdout,
        "stderr": stderr,
        "events": bytes(run.events.data),
    }
    emit(frame(members, results_tar))


def main() -> int:
    with contextlib.suppress(OSError):
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    started = time.monotonic()
    run = Run(config, started + float(config["wall_s"]))
    problems: list[str] = []
    try:
        wake = wake_on_child_exit()
        problems += seed_all(config)
        for watch in run.watches:
            watch.check()
        if not problems:
            run.supervise(wake)
    except Exception as exc:  # noqa: BLE001 - whatever failed, the report still goes out
        problems.append(f"the sandbox supervisor failed: {type(exc).__name__}: {exc}")
        kill_all()
        settle()
    hand_back(config, run, started, problems)
    return 0


if __name__ == "__main__":
    sys.exit(main())
