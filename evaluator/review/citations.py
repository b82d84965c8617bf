"""Citations checked against the workspace: the file exists, the lines exist, the quote is there.

The text a citation is checked against is the text the model was shown
(:func:`evaluator.review.sources.read_view`), so a notebook's line numbers are those of
its cells. Quotes are compared after whitespace is normalised; anything else that does
not hold drops the citation (and is counted): a citation is evidence, not decoration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.model.review import CitedLines
from evaluator.review.answer import Citation
from evaluator.review.sources import Unread, read_view

#: A citation wider than this many lines points at a file, not at evidence.
MAX_CITED_LINES = 120
#: Lines of the cited text kept in the report for the mentor.
EXCERPT_LINES = 12


def _squash(text: str) -> str:
    return " ".join(text.split())


@dataclass(kw_only=True)
class CitationChecker:
    """Checks citations against one workspace; reads each file once."""

    root: Path
    files: frozenset[str]
    """The workspace's regular files (relative POSIX paths): nothing else can be cited."""
    max_bytes: int
    _views: dict[str, list[str] | None] = field(default_factory=dict)

    def _lines(self, path: str) -> list[str] | None:
        if path not in self._views:
            view = read_view(self.root, path, self.max_bytes) if path in self.files else None
            self._views[path] = (
                None if view is None or isinstance(view, Unread) else (view.splitlines())
            )
        return self._views[path]

    def verify(self, citation: Citation) -> CitedLines | str:
        """The verified citation, or why it does not hold."""
        path = citation.path.strip().removeprefix("./")
        lines = self._lines(path)
        if lines is None:
            return f"{path}: no such readable file in the repository"
        start, end = citation.line_start, citation.line_end
        if end > len(lines):
            return f"{path}:{start}-{end}: the file has {len(lines)} lines"
        if end - start + 1 > MAX_CITED_LINES:
            return f"{path}:{start}-{end}: wider than {MAX_CITED_LINES} lines"
        cited = lines[start - 1 : end]
        if _squash(citation.quote) not in _squash("\n".join(cited)):
            return f"{path}:{start}-{end}: the quote is not in these lines"
        excerpt = "\n".join(cited[:EXCERPT_LINES])
        if len(cited) > EXCERPT_LINES:
            excerpt += "\n…"
        return CitedLines(
            path=path, line_start=start, line_end=end, quote=citation.quote, excerpt=excerpt
        )

    def verify_all(self, citations: Sequence[Citation]) -> tuple[list[CitedLines], list[str]]:
        """Verified citations (duplicates once) and the reasons of those dropped."""
        kept: list[CitedLines] = []
        dropped: list[str] = []
        for citation in citations:
            result = self.verify(citation)
            if isinstance(result, str):
                dropped.append(result)
            elif all(
                (c.path, c.line_start, c.line_end)
                != (result.path, result.line_start, result.line_end)
                for c in kept
            ):
                kept.append(result)
        return kept, dropped
