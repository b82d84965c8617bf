"""Answers kept on disk by (model, prompt hash, sample): a repeated review costs nothing.

Only answers that passed validation are kept, as the raw text the model gave; they are
validated and their citations checked again when read, like a fresh answer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, kw_only=True)
class CachedAnswer:
    """A stored answer and the usage it had when it was asked."""

    text: str
    input_tokens: int | None
    output_tokens: int | None


def cache_key(model: str, prompt_hash: str, sample: int, attempt: str = "") -> str:
    """The file name of one answer: model, prompt, sample number (and correction, if any)."""
    return hashlib.sha256(f"{model}\0{prompt_hash}\0{sample}\0{attempt}".encode()).hexdigest()


@dataclass(frozen=True, kw_only=True)
class AnswerCache:
    """A folder of answers; ``enabled=False`` reads and writes nothing."""

    folder: Path
    enabled: bool = True

    def get(self, key: str) -> CachedAnswer | None:
        """The stored answer, or None (also for an unreadable entry: it is asked again)."""
        if not self.enabled:
            return None
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return CachedAnswer(
                text=str(data["text"]),
                input_tokens=data.get("input_tokens"),
                output_tokens=data.get("output_tokens"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, answer: CachedAnswer) -> None:
        """Store an answer (write, then rename: a reader never sees half a file)."""
        if not self.enabled:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{key}.json"
        tmp = path.with_name(f".{path.name}.tmp")
        record = {
            "text": answer.text,
            "input_tokens": answer.input_tokens,
            "output_tokens": answer.output_tokens,
        }
        tmp.write_text(json.dumps(record), encoding="utf-8")
        tmp.replace(path)
