"""Similarity on crafted near-copies (renamed variables, reordered functions) against
independent solutions; the capstone's starter code is ignored."""

from __future__ import annotations

from evaluator.cohort.similarity import Submission, similar_pairs

STARTER = """
import argparse
import logging
from pathlib import Path

LOG = logging.getLogger("organizer")


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description="Organise files by type")
    parser.add_argument("source", type=Path, help="folder to organise")
    parser.add_argument("--dry-run", action="store_true", help="only print the moves")
    parser.add_argument("--verbose", action="store_true", help="log every decision")
    return parser.parse_args(argv)
"""

ORIGINAL = """
CATEGORIES = {"images": {".png", ".jpg", ".gif"}, "documents": {".pdf", ".txt", ".docx"}}


def category_of(path):
    suffix = path.suffix.lower()
    for name, suffixes in CATEGORIES.items():
        if suffix in suffixes:
            return name
    return "other"


def plan_moves(source):
    moves = []
    for item in sorted(source.rglob("*")):
        if item.is_file():
            target = source / category_of(item) / item.name
            if target != item:
                moves.append((item, target))
    return moves


def apply_moves(moves, dry_run=False):
    done = 0
    for old, new in moves:
        if dry_run:
            print(f"{old} -> {new}")
            continue
        new.parent.mkdir(parents=True, exist_ok=True)
        try:
            old.rename(new)
            done += 1
        except OSError as error:
            LOG.warning("could not move %s: %s", old, error)
    return done
"""

# The same program: every name changed, functions in another order, comments added.
RENAMED = """
KINDS = {"images": {".png", ".jpg", ".gif"}, "documents": {".pdf", ".txt", ".docx"}}


def execute(pending, simulate=False):
    # carry out the planned moves
    count = 0
    for src, dst in pending:
        if simulate:
            print(f"{src} -> {dst}")
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            src.rename(dst)
            count += 1
        except OSError as problem:
            LOG.warning("could not move %s: %s", src, problem)
    return count


def kind_for(entry):
    ext = entry.suffix.lower()
    for label, exts in KINDS.items():
        if ext in exts:
            return label
    return "other"


def collect(root):
    # work out where each file goes
    result = []
    for entry in sorted(root.rglob("*")):
        if entry.is_file():
            destination = root / kind_for(entry) / entry.name
            if destination != entry:
                result.append((entry, destination))
    return result
"""

INDEPENDENT_A = """
import shutil
from collections import defaultdict

EXTENSION_GROUPS = defaultdict(lambda: "misc")
EXTENSION_GROUPS.update({"png": "pictures", "jpeg": "pictures", "md": "notes", "csv": "data"})


class Organizer:
    def __init__(self, root, simulate):
        self.root = root
        self.simulate = simulate
        self.summary = defaultdict(int)

    def destination(self, file):
        group = EXTENSION_GROUPS[file.suffix.lstrip(".").lower()]
        return self.root.joinpath(group, file.name)

    def run(self):
        files = [p for p in self.root.iterdir() if p.is_file()]
        for file in files:
            target = self.destination(file)
            self.summary[target.parent.name] += 1
            if not self.simulate:
                target.parent.mkdir(exist_ok=True)
                shutil.move(str(file), target)
        return dict(self.summary)
"""

INDEPENDENT_B = """
import os
import json


def load_rules(config_path):
    with open(config_path, encoding="utf-8") as handle:
        raw = json.load(handle)
    return {ext.lower(): folder for folder, exts in raw.items() for ext in exts}


def walk(folder, rules, report):
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            _, ext = os.path.splitext(name)
            bucket = rules.get(ext.lower())
            if bucket is None:
                report.setdefault("skipped", []).append(name)
                continue
            os.makedirs(os.path.join(folder, bucket), exist_ok=True)
            os.replace(os.path.join(dirpath, name), os.path.join(folder, bucket, name))
            report.setdefault(bucket, []).append(name)
    return report
"""


def _sub(learner: str, body: str) -> Submission:
    files = {"organizer/cli.py": STARTER, "organizer/core.py": body}
    return Submission(learner=learner, evaluation_id=hash(learner) % 1000, files=files)


def test_near_copy_is_found_and_independent_solutions_are_not() -> None:
    submissions = [
        _sub("ada", ORIGINAL),
        _sub("bob", RENAMED),
        _sub("cem", INDEPENDENT_A),
        _sub("dee", INDEPENDENT_B),
    ]
    pairs = similar_pairs(submissions, starter={"organizer/cli.py": STARTER}, threshold=0.5)
    assert [(p.left, p.right) for p in pairs] == [("ada", "bob")]
    pair = pairs[0]
    assert pair.left_share > 0.8 and pair.right_share > 0.8
    assert '<mark class="match">' in pair.left_html and "category_of" in pair.left_html
    assert "kind_for" in pair.right_html


def test_starter_code_is_ignored() -> None:
    # Two independent solutions share only the starter code: flagged without the starter
    # given, not with it.
    submissions = [_sub("cem", INDEPENDENT_A), _sub("dee", INDEPENDENT_B)]
    without = similar_pairs(submissions, threshold=0.3)
    assert without and without[0].similarity >= 0.3
    assert similar_pairs(submissions, starter={"organizer/cli.py": STARTER}, threshold=0.3) == []


def test_learner_code_is_escaped_in_the_regions() -> None:
    hostile = ORIGINAL.replace('"other"', '"<script>alert(1)</script>"')
    copy = RENAMED.replace('"other"', '"<script>alert(1)</script>"')
    pairs = similar_pairs([_sub("ada", hostile), _sub("bob", copy)], threshold=0.5)
    assert pairs and "<script>" not in pairs[0].left_html + pairs[0].right_html
    assert "&lt;script&gt;" in pairs[0].left_html + pairs[0].right_html
