"""Presence evidence gathered from a workspace, and level graduation groups."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.intake.workspace import workspace_files
from evaluator.rubrics.evidence import gather_presence, glob_regex
from evaluator.rubrics.levels import graduation, level_standing
from evaluator.rubrics.model import Level, LevelsFile
from tests.factories import rubric


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("README.md", "README.md", True),
        ("README.md", "docs/README.md", False),
        ("**/README.md", "docs/README.md", True),
        ("**/README.md", "README.md", True),
        ("*.py", "pkg/a.py", False),
        ("**/*.py", "pkg/sub/a.py", True),
        (".github/workflows/*.y*ml", ".github/workflows/ci.yaml", True),
        ("**/prompt*", "prompts/x.md", False),
        ("**/prompts/**", "prompts/x.md", True),
        ("**/*prompt*", "nb/system_prompt.md", True),
        ("a?.txt", "ab.txt", True),
        ("a.txt", "aXtxt", False),
    ],
)
def test_glob(glob: str, path: str, matches: bool) -> None:
    assert bool(glob_regex(glob).match(path)) is matches


def _workspace(root: Path) -> Path:
    files = {
        "README.md": "# Usage\nrun it\n",
        "pkg/__init__.py": "",
        "pkg/a.py": "import logging\nfrom sklearn.svm import SVC\nSVC()\nSVC()\n",
        "pkg/b.py": "from sklearn.tree import DecisionTreeClassifier\n",
        ".git/config": "import logging\n",
        ".venv/lib.py": "import logging\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "linked.py").symlink_to(root / "pkg" / "a.py")
    return root


def test_workspace_files_skip_symlinks_git_and_venvs(tmp_path: Path) -> None:
    assert workspace_files(_workspace(tmp_path)) == [
        "README.md",
        "pkg/__init__.py",
        "pkg/a.py",
        "pkg/b.py",
    ]


def test_gather_presence_counts_files_matches_and_distinct_texts(tmp_path: Path) -> None:
    r = rubric(
        {
            "id": "p",
            "kind": "presence",
            "files": ["README.md", {"glob": "**/*.py", "min_count": 2}],
            "patterns": [
                {"regex": r"^import logging"},
                {"regex": r"\b(SVC|DecisionTreeClassifier)\b", "distinct": True},
                {"regex": r"\bSVC\b"},
                {"glob": "README.md", "regex": "^# usage", "ignore_case": True},
            ],
        },
        {"id": "m", "kind": "mentor"},
    )
    evidence = gather_presence(_workspace(tmp_path), r)
    assert [e.count for e in evidence.files["p"]] == [1, 3]
    assert evidence.files["p"][0].locations == ("README.md",)
    assert [e.count for e in evidence.patterns["p"]] == [1, 2, 3, 1]
    assert evidence.patterns["p"][0].locations == ("pkg/a.py:1",)
    assert "m" not in evidence.files


def test_no_presence_criteria_reads_nothing(tmp_path: Path) -> None:
    evidence = gather_presence(tmp_path / "does-not-exist", rubric({"id": "m", "kind": "mentor"}))
    assert evidence.files == {}


LEVELS = LevelsFile.model_validate(
    {
        "levels": [
            {"id": "1", "title": "One", "requires": {"all-of": ["a", "b"]}},
            {
                "id": "5",
                "title": "Five",
                "requires": {"all-of": ["e", {"any-of": ["x", "y", {"all-of": ["z1", "z2"]}]}]},
            },
        ]
    }
)


def test_all_of_needs_every_item() -> None:
    standing = level_standing(LEVELS.levels[0], {"a"})
    assert (standing.graduated, standing.missing) == (False, ("b",))
    assert level_standing(LEVELS.levels[0], {"a", "b"}).graduated


def test_any_of_needs_one_item_and_nests() -> None:
    five = LEVELS.levels[1]
    assert level_standing(five, {"e", "y"}).graduated
    assert level_standing(five, {"e", "z1", "z2"}).graduated
    missing = level_standing(five, {"e", "z1"})
    assert missing.missing == ("one of: x, y, z1 + z2",)


def test_graduation_lists_every_level_in_order() -> None:
    standings = graduation(LEVELS, {"a", "b"})
    assert [(s.level, s.graduated) for s in standings] == [("1", True), ("5", False)]


def test_group_needs_exactly_one_kind() -> None:
    with pytest.raises(ValueError, match="exactly one of"):
        Level.model_validate({"id": "1", "requires": {"all-of": ["a"], "any-of": ["b"]}})
