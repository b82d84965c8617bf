"""The message catalogue: one YAML file per language, one set of templates for all.

Templates call ``t("heading.next")``; a key missing from the catalogue raises,
like Jinja's ``StrictUndefined``, so a typo never renders as an empty heading.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from evaluator.errors import UsageError

LANGUAGES = ("en", "nl")


@dataclass(frozen=True, kw_only=True)
class Messages:
    """Messages of one language; call with a key and format arguments."""

    lang: str
    table: dict[str, str]

    def __call__(self, key: str, **values: Any) -> str:
        """The message for ``key``, formatted with ``values``."""
        try:
            text = self.table[key]
        except KeyError:
            raise KeyError(f"message {key!r} missing from the {self.lang} catalogue") from None
        return text.format(**values) if values else text


@cache
def messages(lang: str, package: str = "evaluator.reporting") -> Messages:
    """The catalogue of ``lang`` ('en' or 'nl'): ``messages/<lang>.yaml`` of ``package``."""
    if lang not in LANGUAGES:
        raise UsageError(f"unknown language {lang!r}", hint=f"use one of: {', '.join(LANGUAGES)}")
    text = resources.files(package).joinpath("messages", f"{lang}.yaml").read_text("utf-8")
    return Messages(lang=lang, table=yaml.safe_load(text))
