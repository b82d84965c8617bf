import pytest

from file_organizer.rules import OTHER, category_of


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("photo.jpg", "images"),
        ("PHOTO.JPEG", "images"),
        ("diagram.svg", "images"),
        ("report.pdf", "documents"),
        ("notes.md", "documents"),
        ("data.csv", "documents"),
        ("script.py", "code"),
        ("analysis.ipynb", "code"),
        ("backup.tar", "archives"),
        ("song.mp3", "audio"),
        ("clip.mp4", "video"),
    ],
)
def test_known_extensions(name, expected):
    assert category_of(name) == expected


def test_unknown_extension_is_other():
    assert category_of("thing.xyz") == OTHER


def test_no_extension_is_other():
    assert category_of("Makefile") == OTHER


def test_only_last_suffix_counts():
    assert category_of("archive.tar.gz") == "archives"
