"""Hidden tests of capstone 1.1, the file organizer: the behaviour the curriculum asks for.

The contract (README "Hidden tests"): ``capstone.yaml`` names the command that runs
the tool (``cli: python -m file_organizer --verbose``); the evaluator appends one
argument, a folder. The tool reads that folder recursively, classifies every file
by type, moves it into a category folder directly inside the given folder (files of
one type together, different types apart), loses no file (name clashes included),
logs every move on its output, exits 0; a folder that does not exist is an error
(non-zero exit, a message, no traceback).

Each test builds a fresh folder with random names and contents, runs the learner's
command as a separate process from this one, and checks the folder afterwards.
"""

import hashlib
import json
import os
import secrets
import subprocess
from pathlib import Path

TIMEOUT_S = 60
SETTINGS = json.loads(Path(os.environ["CAPSTONE_HIDDEN_INPUT"]).read_text(encoding="utf-8"))


def run_cli(folder: Path) -> subprocess.CompletedProcess[str]:
    """The learner's command with ``folder`` appended, run in the workspace."""
    return subprocess.run(
        ["sh", "-c", f'{SETTINGS["cli"]} "$1"', "cli", str(folder)],
        cwd=SETTINGS["workspace"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def make(root: Path, relative: str) -> tuple[str, str]:
    """A file with random content; returns (its name, the content's digest)."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    content = secrets.token_hex(16)
    path.write_text(content)
    return path.name, hashlib.sha256(content.encode()).hexdigest()


def contents(root: Path) -> dict[str, Path]:
    """Digest of every file under ``root`` -> where it is."""
    return {
        hashlib.sha256(p.read_bytes()).hexdigest(): p
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


def category_of(root: Path, digest: str) -> str:
    """The folder directly inside ``root`` that holds the file with this content."""
    where = contents(root)[digest]
    relative = where.relative_to(root)
    assert len(relative.parts) == 2, f"{relative} is not in a category folder directly inside"
    return relative.parts[0]


def organised(tmp_path: Path, files: list[str]) -> tuple[Path, dict[str, str], str]:
    """Create ``files`` (random stem per name), run the tool; (folder, name->digest, output)."""
    folder = tmp_path / f"inbox-{secrets.token_hex(3)}"
    folder.mkdir()
    made = {}
    for relative in files:
        stem, _, suffix = relative.rpartition(".")
        name = f"{stem}-{secrets.token_hex(3)}.{suffix}" if stem else relative
        made[relative] = make(folder, name)[1]
    done = run_cli(folder)
    assert done.returncode == 0, f"exit code {done.returncode}: {done.stderr[-500:]}"
    return folder, made, done.stdout + done.stderr


def test_files_are_grouped_by_type(tmp_path):
    """Files of one type end up together, files of different types apart."""
    folder, made, _ = organised(
        tmp_path, ["a.jpg", "b.JPG", "c.pdf", "d.pdf", "e.mp3", "f.zip", "g.jpg"]
    )
    place = {name: category_of(folder, digest) for name, digest in made.items()}
    assert place["a.jpg"] == place["b.JPG"] == place["g.jpg"]
    assert place["c.pdf"] == place["d.pdf"]
    kinds = [place["a.jpg"], place["c.pdf"], place["e.mp3"], place["f.zip"]]
    assert len(set(kinds)) == 4, f"different types share a folder: {place}"


def test_nested_folders_are_read_recursively(tmp_path):
    """Files in sub-folders at any depth are organised like top-level ones."""
    folder, made, _ = organised(
        tmp_path, ["top.jpg", "x/inner.jpg", "x/y/z/deep.jpg", "x/y/report.pdf", "doc.pdf"]
    )
    place = {name: category_of(folder, digest) for name, digest in made.items()}
    assert place["top.jpg"] == place["x/inner.jpg"] == place["x/y/z/deep.jpg"]
    assert place["doc.pdf"] == place["x/y/report.pdf"] != place["top.jpg"]


def test_no_file_is_lost_on_a_name_clash(tmp_path):
    """Two files with the same name in different folders both survive, unchanged."""
    folder = tmp_path / "clash"
    _, first = make(folder, "photo.jpg")
    _, second = make(folder, "trip/photo.jpg")
    _, third = make(folder, "trip/day2/photo.jpg")
    done = run_cli(folder)
    assert done.returncode == 0, done.stderr[-500:]
    found = contents(folder)
    assert {first, second, third} <= set(found), "a file was overwritten or lost"
    assert category_of(folder, first) == category_of(folder, second) == category_of(folder, third)


def test_unknown_types_are_kept(tmp_path):
    """Files of unknown type or without an extension are kept inside the folder."""
    folder, made, _ = organised(tmp_path, ["data.qqz", "Makefile", "notes.txt"])
    found = contents(folder)
    assert set(made.values()) <= set(found)


def test_every_move_is_logged(tmp_path):
    """The output names every file the tool moved."""
    folder = tmp_path / "logged"
    names = [make(folder, f"{sub}file-{secrets.token_hex(4)}.{ext}")[0]
             for sub, ext in (("", "jpg"), ("", "pdf"), ("deep/", "mp3"), ("", "zip"))]  # fmt: skip
    done = run_cli(folder)
    assert done.returncode == 0, done.stderr[-500:]
    output = done.stdout + done.stderr
    missing = [name for name in names if name not in output]
    assert not missing, f"not logged: {missing}"


def test_a_second_run_keeps_everything_in_place(tmp_path):
    """Running the tool again on an organised folder loses nothing and moves nothing apart."""
    folder, made, _ = organised(tmp_path, ["a.jpg", "b.pdf", "sub/c.jpg", "d.mp3"])
    before = {name: category_of(folder, digest) for name, digest in made.items()}
    again = run_cli(folder)
    assert again.returncode == 0, again.stderr[-500:]
    after = {name: category_of(folder, digest) for name, digest in made.items()}
    assert after == before


def test_files_outside_the_folder_are_untouched(tmp_path):
    """Only the given folder changes."""
    outside = tmp_path / "elsewhere"
    _, kept = make(outside, "keep.jpg")
    folder = tmp_path / "inbox"
    make(folder, "a.jpg")
    assert run_cli(folder).returncode == 0
    assert (outside / "keep.jpg").is_file()
    assert set(contents(outside)) == {kept}


def test_a_missing_folder_is_a_clear_error(tmp_path):
    """A folder that does not exist: non-zero exit, a message that names it, no traceback."""
    missing = tmp_path / f"no-such-folder-{secrets.token_hex(3)}"
    done = run_cli(missing)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert missing.name in output
    assert "Traceback" not in output
