import os
import socket
import subprocess

from evaluator.sandbox.owner import owner_id, owner_id_is_alive, owner_is_alive, process_owner
from evaluator.sandbox.reaper import _reap_folders, scratch_folder


def finished_process() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_owner_liveness_by_host_and_pid():
    host = socket.gethostname()
    assert owner_is_alive(process_owner())
    assert not owner_is_alive(f"{host}:{finished_process()}")
    assert not owner_is_alive(f"{host}:not-a-pid")
    assert owner_is_alive("another-host:1")  # not ours to remove


def test_owner_id_survives_pid_reuse_and_spares_other_namespaces():
    mine = owner_id()
    assert owner_id_is_alive(mine)
    namespace, pid, start = mine.split(".")
    assert pid == str(os.getpid())
    # Same pid, another start time: a new process that reused the pid.
    assert not owner_id_is_alive(f"{namespace}.{pid}.{int(start) + 1}")
    assert not owner_id_is_alive(f"{namespace}.{finished_process()}.1")
    assert owner_id_is_alive(f"{int(namespace) + 1}.{finished_process()}.1")
    assert owner_id_is_alive("written by someone else")


def test_scratch_folders_of_dead_owners_are_reaped_live_ones_kept(tmp_path):
    namespace = owner_id().split(".")[0]
    dead = tmp_path / f"capstone-eval-{namespace}.{finished_process()}.1-abc"
    dead.mkdir()
    (dead / "workspace").mkdir()
    unrelated = tmp_path / "capstone-eval-notours"
    unrelated.mkdir()
    with scratch_folder(tmp_path) as mine:
        assert mine.name.startswith(f"capstone-eval-{owner_id()}-")
        assert _reap_folders(tmp_path) == 1
        assert mine.is_dir()
    assert not dead.exists()
    assert unrelated.exists()
    assert not mine.exists()


def test_scratch_folders_of_any_kind_name_their_owner(tmp_path):
    with scratch_folder(tmp_path, kind="bench") as folder:
        assert folder.name.startswith(f"capstone-bench-{owner_id()}-")
        assert _reap_folders(tmp_path) == 0
