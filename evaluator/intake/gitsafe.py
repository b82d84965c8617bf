"""The one way the evaluator runs git: inert configuration, bounded in time and output.

Git reads configuration, hooks, attributes and filter drivers from many places,
and several of them run commands (``core.fsmonitor``, ``core.sshCommand``,
``filter.<driver>.smudge``, hooks, ``ext::`` transports). Only repositories the
evaluator itself cloned are ever touched, and only through :func:`run_git`:
system and global configuration are switched off, the host's environment is
reduced to what a clone needs (proxies, CA files, the ssh agent), every
command-running setting is overridden on the command line, and only network and
``file://`` transports are allowed. A command that outlives its deadline, or
that a watcher stops (a download past its size), is killed with its children.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import selectors
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from evaluator.errors import SourceError

log = logging.getLogger(__name__)

#: Transports git may use; ``ext::`` and ``fd::`` (which run commands) are refused.
ALLOWED_PROTOCOLS = ("https", "http", "ssh", "git", "file")

#: ``-c`` settings on every git command: no hooks, no fsmonitor, no filter
#: drivers (LFS included), no submodules, no command transports, no prompts.
SAFE_GIT_CONFIG: tuple[str, ...] = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=",
    "core.sshCommand=ssh -o BatchMode=yes",
    "core.askPass=",
    "credential.helper=",
    "filter.lfs.smudge=",
    "filter.lfs.process=",
    "filter.lfs.required=false",
    "protocol.allow=never",
    *(f"protocol.{name}.allow=always" for name in ALLOWED_PROTOCOLS),
    "submodule.recurse=false",
    "fetch.recurseSubmodules=false",
    "diff.ignoreSubmodules=all",
    "init.templateDir=",
    "advice.detachedHead=false",
)

#: Environment on top of the host's allowed variables (see ``EvaluatorConfig.git_env``).
SAFE_GIT_ENV: dict[str, str] = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_ALLOW_PROTOCOL": ":".join(ALLOWED_PROTOCOLS),
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_LFS_SKIP_SMUDGE": "1",
    "GIT_ASKPASS": "/bin/true",
    "SSH_ASKPASS": "/bin/true",
    "GIT_PROTOCOL_FROM_USER": "0",
    "LC_ALL": "C",  # git's messages in English: they are matched to explain a failure
}

#: Output kept from a command that is not streamed to ``on_output``.
MAX_KEPT_OUTPUT = 1024 * 1024
#: A server can send "remote:" messages without end: git's stderr is capped too.
MAX_STDERR = 1024 * 1024
_STDERR_TAIL = 64 * 1024
_TICK_S = 0.05

#: Called with each chunk of stdout (``b""`` on a quiet tick); raises to stop the command.
OutputFn = Callable[[bytes], None]


@dataclass(frozen=True, kw_only=True)
class GitRun:
    """What a git command did."""

    argv: list[str]
    returncode: int | None
    """None when the command was killed at its deadline."""
    stdout: bytes
    stderr: str

    @property
    def timed_out(self) -> bool:
        """Whether the command was killed at its deadline."""
        return self.returncode is None

    @property
    def ok(self) -> bool:
        """Whether the command finished with exit status 0."""
        return self.returncode == 0


def git_argv(args: Sequence[str]) -> list[str]:
    """The full command line of ``git ARGS`` with the safe settings (pure)."""
    argv = ["git"]
    for setting in SAFE_GIT_CONFIG:
        argv += ["-c", setting]
    return [*argv, *args]


def credentials_apart(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``url`` without its ``user:token@`` part, and git settings that send it instead (pure).

    ``https://TOKEN@host/owner/repo.git`` is how a user names a private repository; kept in
    the URL, the token would show on git's command line (``ps``), in the clone's
    ``.git/config`` and in logs. The settings send it as an HTTP header to that scheme and
    host only, through git's environment (see :func:`git_environment`). Other URLs come
    back unchanged, with no settings.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or "@" not in parts.netloc:
        return url, ()
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    basic = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
    clean = urlunsplit(parts._replace(netloc=host))
    scope = f"{parts.scheme}://{host}/"
    return clean, ((f"http.{scope}.extraHeader", f"Authorization: Basic {basic}"),)


#: The only GIT_* variables of the host that reach git (GIT_DIR, GIT_CONFIG_* never do).
_HOST_GIT_VARIABLES = frozenset({"GIT_SSH_COMMAND", "GIT_SSL_CAINFO"})


def git_environment(
    host_env: Sequence[tuple[str, str]], settings: Sequence[tuple[str, str]] = ()
) -> dict[str, str]:
    """The environment of every git command: the allowed host variables, the safe ones, and
    the evaluator's own ``settings`` (credentials: in the environment, never in argv).

    The ``-c`` settings of :func:`git_argv` are read after these, so they win.
    """
    env = {
        key: value
        for key, value in host_env
        if not key.startswith("GIT_") or key in _HOST_GIT_VARIABLES
    }
    env.setdefault("PATH", os.defpath)
    env.update(SAFE_GIT_ENV)
    for index, (key, value) in enumerate(settings):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    if settings:
        env["GIT_CONFIG_COUNT"] = str(len(settings))
    return env


def _kill(proc: subprocess.Popen[bytes]) -> None:
    # start_new_session made git the leader of its own group: this reaches
    # git-remote-https, index-pack and ssh as well.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _pump(proc: subprocess.Popen[bytes], deadline: float, on_output: OutputFn, errors: int) -> bool:
    """Feed stdout to ``on_output`` until EOF and exit; False when the deadline passed first.

    ``errors`` is the file descriptor git's stderr goes to; past MAX_STDERR it raises.
    """
    assert proc.stdout is not None  # noqa: S101 - Popen was given stdout=PIPE
    fd = proc.stdout.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        open_ = True
        while open_ or proc.poll() is None:
            if time.monotonic() > deadline:
                return False
            if os.fstat(errors).st_size > MAX_STDERR:
                raise SourceError(
                    f"git wrote more than {MAX_STDERR // 1024} KiB of messages and was stopped",
                    hint="the server sends endless messages: check the URL",
                )
            chunk = b""
            if open_ and selector.select(timeout=_TICK_S):
                chunk = os.read(fd, 1 << 16)
                open_ = bool(chunk)
            elif not open_:
                time.sleep(_TICK_S)
            on_output(chunk)
    return True


def run_git(
    args: Sequence[str],
    *,
    host_env: Sequence[tuple[str, str]],
    timeout_s: float,
    settings: Sequence[tuple[str, str]] = (),
    cwd: Path | None = None,
    on_output: OutputFn | None = None,
) -> GitRun:
    """Run ``git ARGS`` safely; kill it at ``timeout_s`` or when ``on_output`` raises.

    Without ``on_output`` the first :data:`MAX_KEPT_OUTPUT` bytes of stdout are
    kept (more is cut). No terminal is attached (``start_new_session``), so
    neither git nor ssh can prompt for a password.
    """
    argv = git_argv(args)
    log.debug("run: %s", " ".join(argv))
    kept = bytearray()

    def keep(chunk: bytes) -> None:
        kept.extend(chunk[: max(0, MAX_KEPT_OUTPUT - len(kept))])

    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=git_environment(host_env, settings),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            start_new_session=True,
        )
        try:
            finished = _pump(proc, time.monotonic() + timeout_s, on_output or keep, errors.fileno())
        finally:
            if proc.poll() is None:
                _kill(proc)
            assert proc.stdout is not None  # noqa: S101
            proc.stdout.close()
        errors.seek(max(0, errors.seek(0, os.SEEK_END) - _STDERR_TAIL))
        stderr = errors.read().decode("utf-8", errors="replace")
    return GitRun(
        argv=argv,
        returncode=proc.returncode if finished else None,
        stdout=bytes(kept),
        stderr=stderr,
    )
