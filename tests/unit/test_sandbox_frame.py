"""The supervisor's report as the host reads it: the real supervisor code writes it."""

import importlib
import io
import json
import tarfile

import pytest

from evaluator.paths import bundled
from evaluator.sandbox.archive import inputs_archive, tar_directory, write_results
from evaluator.sandbox.frame import FrameError, parse_frame, safe_result_name

LIMITS = {"max_bytes": 1 << 20, "file_bytes": 1000, "max_files": 3}


@pytest.fixture
def handback(monkeypatch):
    """The supervisor's own report writer (sandbox/runtime/handback.py)."""
    monkeypatch.syspath_prepend(str(bundled("sandbox") / "runtime"))
    return importlib.import_module("handback")


def results_tar(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def report(capsys, handback):
    def write(outcome=None, results=None, **members):
        base = {"outcome.json": json.dumps(outcome or {"exit_code": 0}).encode()}
        handback.emit(handback.frame(base | members, results_tar(results or {})))
        return capsys.readouterr().out.encode()

    return write


def test_report_round_trip(report):
    log = report(
        {"exit_code": 3, "timed_out": False, "leftover_processes": 2, "duration_s": 1.5},
        {"results/a.json": b"{}", "results/sub/b.txt": b"hi"},
        stdout=b"out",
        events=b'{"event": "finish"}\n',
    )
    frame = parse_frame(b"learner noise before\n" + log, **LIMITS)
    assert frame.outcome.exit_code == 3
    assert frame.outcome.leftover_processes == 2
    assert frame.stdout == b"out"
    assert frame.events == b'{"event": "finish"}\n'
    assert frame.results == {"a.json": b"{}", "sub/b.txt": b"hi"}


def test_result_files_over_their_caps_are_named_not_kept(report):
    files = {f"results/{i}": b"x" for i in range(5)} | {"results/big": b"y" * 2000}
    frame = parse_frame(report(results=files), **LIMITS)
    assert len(frame.results) == 3
    assert any("big: over the 1000-byte limit" in d for d in frame.dropped)
    assert sum("over the limit of 3 result files" in d for d in frame.dropped) == 2


def test_unsafe_names_are_dropped():
    assert safe_result_name("results/a/b.json") == "a/b.json"
    for name in ("results/../x", "results/", "other/a", "results/a/../../b", "results/a\\b"):
        assert safe_result_name(name) is None


def test_a_cut_or_altered_report_is_refused(report):
    log = report(stdout=b"x" * 5000)
    with pytest.raises(FrameError, match="cut short"):
        parse_frame(log[: len(log) // 2], **LIMITS)
    lines = log.split(b"\n")
    lines[2] = lines[2][:-4] + b"AAAA"
    with pytest.raises(FrameError, match="length and digest"):
        parse_frame(b"\n".join(lines), **LIMITS)
    with pytest.raises(FrameError, match="over its"):
        parse_frame(log, max_bytes=100, file_bytes=10, max_files=1)
    with pytest.raises(FrameError, match="no report"):
        parse_frame(b"just output\n", **LIMITS)


def test_an_outcome_with_unknown_keys_is_refused(report):
    with pytest.raises(FrameError, match="outcome"):
        parse_frame(report({"exit_code": 0, "surprise": 1}), **LIMITS)


def test_inputs_are_root_owned_and_plain(tmp_path):
    (tmp_path / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "run.sh").chmod(0o700)
    (tmp_path / "secret.py").write_text("x")
    (tmp_path / "secret.py").chmod(0o600)
    (tmp_path / "link").symlink_to("secret.py")
    data = inputs_archive({"wall_s": 1}, {"pytest.json": b"{}"}, tmp_path)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert json.loads(tar.extractfile("run.json").read()) == {"wall_s": 1}
    assert "runtime/supervisor.py" in members
    assert "pytest.json" in members
    assert {m.uid for m in members.values()} == {0}
    assert members["workspace/run.sh"].mode == 0o755
    assert members["workspace/secret.py"].mode == 0o644
    assert members["workspace/link"].issym()


def test_uploads_are_owned_by_the_sandbox_user(tmp_path):
    (tmp_path / "a.py").write_text("x")
    with tarfile.open(fileobj=io.BytesIO(tar_directory(tmp_path))) as tar:
        assert {m.uid for m in tar.getmembers()} == {10001}


def test_result_files_stay_below_their_folder(tmp_path):
    written = write_results({"a.json": b"1", "sub/b": b"2", "../escape": b"3"}, tmp_path / "out")
    assert sorted(written) == ["a.json", "sub/b"]
    assert not (tmp_path / "escape").exists()
