import io
import tarfile

from evaluator.sandbox.engine import extract_results, tar_directory


def tar_stream(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return iter([buffer.getvalue()])


def file_member(name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def test_extract_keeps_regular_files_only(tmp_path):
    link = tarfile.TarInfo("results/evil-link")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    stream = tar_stream(
        [
            file_member("results/junit.xml", b"<x/>"),
            file_member("results/sub/cov.json", b"{}"),
            file_member("results/../../escape.txt", b"no"),
            (link, None),
        ]
    )
    names = extract_results(stream, tmp_path / "out", max_bytes=1024)
    assert sorted(names) == ["junit.xml", "sub/cov.json"]
    assert not (tmp_path / "escape.txt").exists()
    assert not (tmp_path / "out" / "evil-link").exists()


def test_extract_stops_at_the_size_limit(tmp_path):
    stream = tar_stream(
        [file_member("results/a", b"x" * 600), file_member("results/b", b"y" * 600)]
    )
    assert extract_results(stream, tmp_path / "out", max_bytes=1000) == ["a"]


def test_tar_directory_owns_entries_by_the_sandbox_user(tmp_path):
    (tmp_path / "a.py").write_text("x")
    with tarfile.open(fileobj=io.BytesIO(tar_directory(tmp_path))) as tar:
        assert {m.uid for m in tar.getmembers()} == {10001}
