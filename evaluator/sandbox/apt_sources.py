"""Reading the machine's Debian mirror from its apt sources (pure functions).

The offline base image is bootstrapped from the mirror this machine already
uses; no host name is ever hard-coded.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class AptSource:
    """One ``deb`` entry of the apt sources."""

    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]


def parse_one_line(text: str) -> list[AptSource]:
    """Entries of a classic ``sources.list`` file (``deb [opts] URI suite comp...``)."""
    entries = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line.startswith("deb "):
            continue
        words = line.split()[1:]
        if words and words[0].startswith("["):
            while words and not words[0].endswith("]"):
                words.pop(0)
            words = words[1:]
        if len(words) >= 2:
            entries.append(AptSource(uri=words[0], suites=(words[1],), components=tuple(words[2:])))
    return entries


def parse_deb822(text: str) -> list[AptSource]:
    """Entries of a deb822 ``.sources`` file (stanzas of ``Key: value`` fields)."""
    entries = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for raw in stanza.splitlines():
            if raw.startswith("#") or not raw.strip():
                continue
            if raw[0] in " \t" and key:
                fields[key] += " " + raw.strip()
                continue
            key, _, value = raw.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes") == "no":
            continue
        for uri in fields.get("uris", "").split():
            entries.append(
                AptSource(
                    uri=uri,
                    suites=tuple(fields.get("suites", "").split()),
                    components=tuple(fields.get("components", "").split()),
                )
            )
    return entries


def debian_mirror(
    files: dict[str, str], codename: str, host_codename: str | None = None
) -> str | None:
    """The mirror URI serving ``codename`` ``main``, from {file name: content} of apt sources.

    A Debian mirror serves every release, so when no entry names ``codename``
    the one serving this machine's own release (``host_codename``) is used.
    """
    entries: list[AptSource] = []
    for name, text in sorted(files.items(), key=lambda kv: (not kv[0].endswith("sources.list"),)):
        entries += parse_deb822(text) if name.endswith(".sources") else parse_one_line(text)
    for wanted in (codename, host_codename):
        for entry in entries:
            if wanted and wanted in entry.suites and "main" in entry.components:
                return entry.uri.rstrip("/")
    return None


def os_codename(os_release: str) -> str | None:
    """``VERSION_CODENAME`` from the text of /etc/os-release."""
    for line in os_release.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "VERSION_CODENAME":
            return value.strip().strip('"') or None
    return None
