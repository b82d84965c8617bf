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

import base64
import contextlib
import ctypes
import hashlib
import io
import json
import os
import selectors
import shutil
import signal
import stat
import sys
import tarfile
import time

FRAME_BEGIN = "==capstone-frame-v1 begin"
FRAME_END = "==capstone-frame-v1 end"
LINE = 16000  # base64 characters per log line (the json-file driver splits at 16 KiB)
EVENTS_FD = 3
POLL_S = 0.25  # how often the bounded file systems are checked for being full
SETTLE_S = 5.0  # how long killed processes get to disappear
PR_SET_DUMPABLE = 4
CAPABILITY_VERSION_3 = 0x20080522


def drop_all_capabilities() -> None:
    """capset(2) to nothing: a root command keeps uid 0 but loses SETUID, SETGID and KILL."""

    class Header(ctypes.Structure):
        _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))

    class Data(ctypes.Structure):
        _fields_ = (
            ("effective", ctypes.c_uint32),
            ("permitted", ctypes.c_uint32),
            ("inheritable", ctypes.c_uint32),
        )

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.capset(ctypes.byref(Header(CAPABILITY_VERSION_3, 0)), (Data * 2)()) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def become(user: list[int] | None) -> None:
    """Turn the current (child) process into the learner: uid/gid, or root without capabilities."""
    # Written while still privileged: the OOM killer then prefers learner processes
    # to the supervisor, whose report would otherwise be lost.
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as handle:
        handle.write("800")
    if user is None:
        drop_all_capabilities()
        return
    uid, gid = user
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


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


def run_as(user: list[int] | None, work: object, *args: object) -> int:
    """Run ``work(*args)`` in a forked child that became the learner; its exit status."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            become(user)
            work(*args)  # type: ignore[operator]
            code = 0
        except OSError as exc:
            sys.stderr.write(f"supervisor child: {exc}\n")
            code = 28 if exc.errno == 28 else 1
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


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


def collect_results(folder: str, limits: dict[str, int], write_fd: int) -> None:
    """(In a child that became the learner.) A tar of the regular files under ``folder``.

    Links, devices and FIFOs are skipped; files over the per-file limit, past the
    file-count limit or the total are named in ``dropped.json`` instead.
    """
    dropped: list[str] = []
    total = files = 0
    mib = 1024 * 1024
    with os.fdopen(write_fd, "wb") as pipe, tarfile.open(fileobj=pipe, mode="w|") as tar:
        for root, dirs, names in os.walk(folder, followlinks=False):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(root, name)
                rel = os.path.relpath(path, folder)
                try:
                    rel.encode("utf-8")
                except UnicodeEncodeError:
                    dropped.append(f"{rel.encode('utf-8', 'replace').decode()}: name is not UTF-8")
                    continue
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                except OSError:
                    continue
                with os.fdopen(fd, "rb") as handle:
                    info = os.fstat(handle.fileno())
                    if not stat.S_ISREG(info.st_mode):
                        continue
                    size = info.st_size
                    if files >= limits["files"]:
                        dropped.append(f"{rel}: over the limit of {limits['files']} result files")
                        continue
                    if size > limits["file_bytes"]:
                        dropped.append(
                            f"{rel} is {size / mib:.1f} MiB, over the "
                            f"{limits['file_bytes'] / mib:.0f} MiB limit per result file"
                        )
                        continue
                    if total + size > limits["bytes"]:
                        dropped.append(
                            f"{rel}: the result files exceed the "
                            f"{limits['bytes'] / mib:.0f} MiB limit in total"
                        )
                        continue
                    data = handle.read(size)
                member = tarfile.TarInfo("results/" + rel)
                member.size = len(data)
                tar.addfile(member, io.BytesIO(data))
                total += len(data)
                files += 1
        note = json.dumps(dropped).encode()
        member = tarfile.TarInfo("dropped.json")
        member.size = len(note)
        tar.addfile(member, io.BytesIO(note))


def gather_results(config: dict[str, object]) -> tuple[bytes, str | None]:
    """The learner-side tar of /results, read with a hard cap; (bytes, problem)."""
    limits = {k: int(v) for k, v in config["results_limits"].items()}  # type: ignore[attr-defined]
    cap = limits["bytes"] + 512 * (limits["files"] + 4) * 3 + 65536
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            become(config.get("user"))  # type: ignore[arg-type]
            collect_results(str(config["results_dir"]), limits, write_end)
            os._exit(0)
        except BaseException as exc:  # noqa: BLE001 - report anything, then leave
            os.write(2, f"collecting results failed: {exc}\n".encode())
            os._exit(1)
    os.close(write_end)
    data = bytearray()
    with os.fdopen(read_end, "rb") as pipe:
        while chunk := pipe.read(65536):
            data += chunk
            if len(data) > cap:
                os.kill(pid, signal.SIGKILL)
                break
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if len(data) > cap:
        return b"", "the result files exceed their size limit"
    if status != 0:
        return b"", "the result files could not be read"
    return bytes(data), None


def frame(members: dict[str, bytes], results_tar: bytes) -> bytes:
    """One tar: the supervisor's own files plus the learner's result files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if results_tar:
            with tarfile.open(fileobj=io.BytesIO(results_tar), mode="r|") as source:
                for member in source:
                    if member.isfile():
                        handle = source.extractfile(member)
                        if handle is not None:
                            tar.addfile(member, handle)
    return buffer.getvalue()


def emit(payload: bytes) -> None:
    """Write the frame to stdout in lines the log driver keeps whole."""
    text = base64.b64encode(payload).decode("ascii")
    digest = hashlib.sha256(payload).hexdigest()
    out = sys.stdout
    out.write(f"\n{FRAME_BEGIN} {len(payload)}==\n")
    for start in range(0, len(text), LINE):
        out.write(text[start : start + LINE] + "\n")
    out.write(f"{FRAME_END} {digest}==\n")
    out.flush()


def main() -> int:
    with contextlib.suppress(OSError):
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    started = time.monotonic()
    deadline = started + float(config["wall_s"])
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    run = Run(config, deadline)
    problems: list[str] = []
    for source, target in config.get("seed", []):
        if run_as(config.get("user"), seed, source, target) != 0:
            problems.append(f"the workspace could not be copied into {target}")
    for watch in run.watches:
        watch.check()
    if not problems:
        run.supervise(wake_read)
    outcome = run.outcome()
    outcome["duration_s"] = round(time.monotonic() - started, 3)
    outcome["problems"] = problems
    results_tar = b""
    if config.get("results_dir"):
        results_tar, problem = gather_results(config)
        if problem:
            problems.append(problem)
    stdout, stderr = run.out.value(), run.err.value()
    outcome |= {"stdout_truncated": run.out.cut, "stderr_truncated": run.err.cut}
    members = {
        "outcome.json": json.dumps(outcome).encode(),
        "stdout": stdout,
        "stderr": stderr,
        "events": bytes(run.events.data),
    }
    emit(frame(members, results_tar))
    return 0


if __name__ == "__main__":
    sys.exit(main())
