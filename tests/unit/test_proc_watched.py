"""Host commands stopped by a watch: real processes."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from evaluator import proc


def test_a_watch_that_says_no_stops_the_command_at_once() -> None:
    calls = []

    def watch() -> bool:
        calls.append(time.monotonic())
        return len(calls) < 3

    began = time.monotonic()
    done = proc.run_watched(
        [sys.executable, "-c", "import time; time.sleep(30)"], timeout=60, watch=watch
    )
    assert done is None
    assert time.monotonic() - began < 5 and len(calls) == 3


def test_a_watched_command_that_ends_gives_its_output() -> None:
    code = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(4)"
    done = proc.run_watched([sys.executable, "-c", code], timeout=60, watch=lambda: True)
    assert done is not None
    assert (done.returncode, done.stdout, done.stderr) == (4, "out\n", "err\n")


def test_a_watched_command_past_its_time_raises() -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        proc.run_watched(
            [sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5, watch=lambda: True
        )


def test_a_command_quicker_than_one_look_is_still_judged_at_its_end(tmp_path) -> None:
    """What the command leaves behind is judged even when it ended between two looks."""
    marker = tmp_path / "written"
    code = f"open({str(marker)!r}, 'w').close()"
    done = proc.run_watched(
        [sys.executable, "-c", code], timeout=60, watch=lambda: not marker.exists()
    )
    assert done is None and marker.exists()
