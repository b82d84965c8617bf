"""Who a submission belongs to, when nobody said (pure).

Learner identity is, in order: what the user gives (``--learner``, a roster's
``learner`` column), else the owner in a hosted git URL
(``https://github.com/alice/organizer`` and ``git@github.com:alice/organizer.git``
are both ``alice``: on GitHub Classroom and personal forks the owner is the
learner), else the repository folder's name for local paths and ``file://`` URLs.
Names are kept as given apart from surrounding blanks; URL owners are lower-cased,
as hosts treat them case-insensitively.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from evaluator.store.records import Membership

_SCP = re.compile(r"^[\w.-]+@[\w.-]+:(?P<path>.+)$")


def _path_parts(location: str) -> tuple[str, list[str]]:
    """(scheme, path segments) of a git URL or local path."""
    scp = _SCP.match(location)
    if scp:
        return "ssh", [p for p in scp["path"].split("/") if p]
    if "://" in location:
        parts = urlsplit(location)
        return parts.scheme, [p for p in parts.path.split("/") if p]
    return "", [p for p in PurePosixPath(location).parts if p not in ("/", ".", "..")]


def learner_from_source(location: str) -> str:
    """The learner a source location most likely belongs to (see the module docstring)."""
    scheme, segments = _path_parts(location.strip().rstrip("/"))
    if not segments:
        return location.strip() or "unknown"
    if scheme not in ("", "file") and len(segments) >= 2:
        return segments[-2].lower()
    return re.sub(r"\.git$", "", segments[-1]) or "unknown"


def membership_of(source: str, *, learner: str | None, cohort: str | None) -> Membership | None:
    """The membership flags give, or None to derive it when storing (see the module docstring)."""
    if learner is None and cohort is None:
        return None
    return Membership(learner=learner or learner_from_source(source), cohort=cohort)
