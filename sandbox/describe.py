"""Describe the sandbox's Python for the evaluator (run once, at image build time).

Prints JSON: the interpreter version, its wheel tags (implementation, ABI,
platforms, most specific first) and every installed distribution with its
version and the requirements of each of its extras. The evaluator resolves
learner requirements on the host for exactly this interpreter and treats these
packages as already installed.
"""

from __future__ import annotations

import json
import platform
import re
import sys
from importlib import metadata

from pip._vendor.packaging import tags


def _extras(dist: metadata.Distribution) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in dist.requires or []:
        match = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", line)
        if match:
            found.setdefault(match.group(1), []).append(line)
    return found


def main() -> None:
    supported = list(tags.sys_tags())
    platforms = list(dict.fromkeys(t.platform for t in supported if t.platform != "any"))
    packages: dict[str, dict[str, object]] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() not in packages:
            packages[name.lower()] = {
                "name": name,
                "version": dist.version,
                "extras": _extras(dist),
            }
    json.dump(
        {
            "python": platform.python_version(),
            "implementation": supported[0].interpreter[:2],
            "abi": supported[0].abi,
            "platforms": platforms,
            "machine": platform.machine(),
            "packages": sorted(packages.values(), key=lambda p: p["name"].lower()),
        },
        sys.stdout,
        indent=1,
    )


main()
