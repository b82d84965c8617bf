from file_organizer.cli import main


def test_dry_run_moves_nothing(tmp_path, capsys):
    (tmp_path / "a.png").write_text("x")
    assert main([str(tmp_path), "--dry-run"]) == 0
    assert "a.png -> images/" in capsys.readouterr().out
    assert (tmp_path / "a.png").exists()


def test_run_moves_files(tmp_path, capsys):
    (tmp_path / "a.png").write_text("x")
    assert main([str(tmp_path)]) == 0
    assert "moved 1 of 1 files" in capsys.readouterr().out


def test_missing_folder_exit_code(tmp_path, caplog):
    assert main([str(tmp_path / "missing")]) == 2
    assert "does not exist" in caplog.text


def test_verbose_logs_moves(tmp_path, caplog):
    (tmp_path / "a.mp3").write_text("x")
    caplog.set_level("INFO")
    assert main([str(tmp_path), "-v"]) == 0
    assert "moved a.mp3" in caplog.text
