import pytest

from file_organizer.organizer import OrganizerError, apply_moves, free_name, plan_moves


def make(folder, *names):
    for name in names:
        (folder / name).write_text(name)


def test_plan_groups_files_by_category(tmp_path):
    make(tmp_path, "a.jpg", "b.pdf", "c.py")
    targets = {m.source.name: m.target.parent.name for m in plan_moves(tmp_path)}
    assert targets == {"a.jpg": "images", "b.pdf": "documents", "c.py": "code"}


def test_plan_skips_hidden_files_and_folders(tmp_path):
    make(tmp_path, ".hidden", "x.txt")
    (tmp_path / ".git").mkdir()
    make(tmp_path / ".git", "config")
    assert [m.source.name for m in plan_moves(tmp_path)] == ["x.txt"]


def test_plan_reads_sub_folders_recursively(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    make(tmp_path / "a" / "b", "deep.png")
    make(tmp_path / "a", "mid.pdf")
    targets = {m.source.name: m.target for m in plan_moves(tmp_path)}
    assert targets == {
        "deep.png": tmp_path / "images" / "deep.png",
        "mid.pdf": tmp_path / "documents" / "mid.pdf",
    }


def test_plan_leaves_organised_files_in_place(tmp_path):
    (tmp_path / "images").mkdir()
    make(tmp_path / "images", "a.jpg")
    make(tmp_path, "b.jpg")
    assert [m.source.name for m in plan_moves(tmp_path)] == ["b.jpg"]


def test_plan_missing_folder_raises(tmp_path):
    with pytest.raises(OrganizerError, match="does not exist"):
        plan_moves(tmp_path / "nope")


def test_plan_on_a_file_raises(tmp_path):
    make(tmp_path, "f.txt")
    with pytest.raises(OrganizerError, match="not a folder"):
        plan_moves(tmp_path / "f.txt")


def test_free_name_numbers_clashes(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    assert free_name(tmp_path / "a.txt", set()).name == "a (1).txt"


def test_free_name_respects_planned_names(tmp_path):
    taken = {tmp_path / "a.txt", tmp_path / "a (1).txt"}
    assert free_name(tmp_path / "a.txt", taken).name == "a (2).txt"


def test_apply_moves_files(tmp_path):
    make(tmp_path, "a.jpg", "b.zip")
    moved = apply_moves(plan_moves(tmp_path))
    assert moved == 2
    assert (tmp_path / "images" / "a.jpg").read_text() == "a.jpg"
    assert (tmp_path / "archives" / "b.zip").exists()


def test_apply_never_overwrites(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.jpg").write_text("old")
    make(tmp_path, "a.jpg")
    apply_moves(plan_moves(tmp_path))
    assert (tmp_path / "images" / "a.jpg").read_text() == "old"
    assert (tmp_path / "images" / "a (1).jpg").read_text() == "a.jpg"


def test_apply_logs_and_continues_on_error(tmp_path, caplog):
    make(tmp_path, "a.jpg", "b.jpg")
    moves = plan_moves(tmp_path)
    (tmp_path / "a.jpg").unlink()
    assert apply_moves(moves) == 1
    assert "could not move" in caplog.text
