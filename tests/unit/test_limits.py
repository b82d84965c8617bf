import pytest

from evaluator.config import WorkspaceLimits
from evaluator.errors import SubmissionTooLarge
from evaluator.intake.limits import Tally, depth_of


def test_depth_counts_folders_not_the_file():
    assert depth_of("a.py") == 0
    assert depth_of("a/b/c.py") == 2


def test_files_bytes_folders_are_counted_once():
    tally = Tally(limits=WorkspaceLimits())
    tally.add_file("pkg/sub/a.py", 10)
    tally.add_file("pkg/sub/b.py", 5)
    tally.add_dir("pkg/empty")
    assert (tally.files, tally.bytes) == (2, 15)
    assert tally.dirs == {"pkg", "pkg/sub", "pkg/empty"}


@pytest.mark.parametrize(
    ("limits", "fill", "message"),
    [
        (WorkspaceLimits(max_files=3), lambda t, i: t.add_file(f"f{i}", 0), "more than 3 files"),
        (WorkspaceLimits(max_bytes=3072), lambda t, i: t.add_file(f"f{i}", 1024), "larger than"),
        (WorkspaceLimits(max_dirs=3), lambda t, i: t.add_dir(f"d{i}"), "more than 3 folders"),
        (
            WorkspaceLimits(max_depth=3),
            lambda t, i: t.add_file("/".join(["d"] * i) + "/f", 0),
            "more than 3 deep",
        ),
    ],
)
def test_the_first_entry_past_a_limit_raises(limits, fill, message):
    tally = Tally(limits=limits)
    with pytest.raises(SubmissionTooLarge, match=message) as info:
        for i in range(1, 10):
            fill(tally, i)
    assert i == 4  # the loop stopped at the first entry past the limit
    assert info.value.hint
