"""What went wrong when git could not fetch a submission, in words a user can act on (pure).

Git's own last line is often the least useful one ("and the repository
exists."); the messages below are matched against git's English output
(``LC_ALL=C``) and say what is wrong, where, and what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from evaluator.errors import SourceError

_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


def shown_url(url: str) -> str:
    """``url`` with any user name, password or token replaced by ``***`` (pure)."""
    return _CREDENTIALS.sub("***@", url)


@dataclass(frozen=True, kw_only=True)
class _Kind:
    patterns: tuple[str, ...]
    message: str
    hint: str


_CHECK_REF = (
    "check the name with `git ls-remote URL`; a commit id works when it is on the default "
    "branch or the server allows fetching any commit"
)
_KINDS = (
    _Kind(
        patterns=("not allowed",),
        message="{where}: this transport is refused (it could run commands on this machine)",
        hint="use an https://, ssh://, git:// or file:// URL",
    ),
    _Kind(
        patterns=(
            "remote branch",
            "couldn't find remote ref",
            "not our ref",
            "unadvertised object",
            "did not match any",
            "reference is not a tree",
            "unknown revision",
            "bad revision",
            "not a valid object name",
        ),
        message="{url} has no branch, tag or commit named {ref}",
        hint=_CHECK_REF,
    ),
    _Kind(
        patterns=("ssl certificate problem", "certificate verification failed", "ssl_error"),
        message="{url}: the server's TLS certificate is not trusted here",
        hint="set GIT_SSL_CAINFO (or SSL_CERT_FILE) to your network's CA bundle",
    ),
    _Kind(
        patterns=("host key verification failed",),
        message="{url}: the ssh host key of the server is not known here",
        hint="add it once with `ssh-keyscan HOST >> ~/.ssh/known_hosts` (check the "
        "fingerprint), or use the https:// URL",
    ),
    _Kind(
        patterns=(
            "authentication failed",
            "could not read username",
            "could not read password",
            "permission denied (publickey",
            "returned error: 401",
            "returned error: 403",
            "access denied",
        ),
        message="{url} needs credentials the evaluator does not have (a private "
        "repository, or one that does not exist)",
        hint="check the URL; for a private repository use an ssh:// URL with a key in your "
        "ssh agent, or https://TOKEN@host/owner/repo.git with a read-only token",
    ),
    _Kind(
        patterns=(
            "could not resolve host",
            "could not resolve hostname",
            "name or service not known",
            "failed to connect",
            "couldn't connect",
            "connection refused",
            "connection timed out",
            "no route to host",
            "network is unreachable",
            "unable to connect",
            "proxy",
        ),
        message="cannot reach the server of {url} ({detail})",
        hint="check the host name, your network and proxy settings (HTTPS_PROXY), then try again",
    ),
    _Kind(
        patterns=(
            "does not appear to be a git repository",
            "not a git repository",
            "not found",
        ),
        message="{url} is not a git repository, or it does not exist",
        hint="check the URL (owner and repository name, the .git suffix)",
    ),
)


def _detail(stderr: str) -> str:
    """Git's most telling line: its first 'fatal:' line, else the last line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.lower().startswith(("fatal:", "error:", "ssh:"))]
    line = (fatal or lines or ["git gave no reason"])[0]
    return re.sub(r"^(fatal|error): ", "", line)[:300]


def _local_reason(url: str) -> SourceError | None:
    """For a file:// URL that is no repository: what the path is, and what to give instead."""
    if not url.startswith("file://"):
        return None
    path = Path(urlsplit(url).path)
    if path.is_dir():
        return SourceError(
            f"{path} is a folder but not a git repository",
            hint=f"to evaluate the folder as it is, give its path ({path}) instead of a "
            "file:// URL; file:// is for a branch, tag or commit of a local repository",
        )
    if path.exists():
        return SourceError(f"{path} is a file, not a git repository", hint="give a folder")
    return SourceError(f"there is no folder {path} on this machine", hint="check the path")


def explain_fetch_failure(stderr: str, *, url: str, ref: str | None) -> SourceError:
    """The error to raise when git failed to clone or fetch ``url`` (at ``ref``) (pure)."""
    shown = shown_url(url)
    where = shown + (f" at {ref}" if ref else "")
    detail = _detail(stderr)
    lowered = stderr.lower()
    for kind in _KINDS:
        if any(p in lowered for p in kind.patterns):
            if kind.patterns[0] == "remote branch" and not ref:
                continue  # without a ref, 'not found' means the repository
            if kind.patterns[0] == "does not appear to be a git repository":
                local = _local_reason(url)
                if local is not None:
                    return local
            message = kind.message.format(url=shown, ref=ref, where=where, detail=detail)
            return SourceError(message, hint=kind.hint)
    return SourceError(
        f"could not fetch {where}: {detail}",
        hint="check the URL, your access to the repository, and that --ref names a branch, "
        "tag or commit that exists",
    )
