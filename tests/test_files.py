"""Outputs (reports, figures, exports) are written atomically, and one that cannot be written is
an OutputError (exit 2 from the CLI) naming the path and the reason, never a traceback."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from batchlab._files import atomic_write, check_output, check_writable, make_folder
from batchlab.errors import BatchlabError, OutputError, SpecError


def test_writes_and_makes_the_folder(tmp_path):
    path = atomic_write(tmp_path / "a" / "b" / "r.txt", "hello")
    assert path.read_text() == "hello" and oct(path.stat().st_mode & 0o777) == "0o644"


def test_a_file_on_the_way_is_named(tmp_path):
    (tmp_path / "afile").write_text("x")
    for target in (tmp_path / "afile" / "r.txt", tmp_path / "afile" / "deeper" / "r.txt"):
        with pytest.raises(OutputError, match=r"afile' is a file, not a folder") as info:
            atomic_write(target, "hello")
        assert str(target) in str(info.value)
        assert isinstance(info.value, BatchlabError) and isinstance(info.value, OSError)
    assert (tmp_path / "afile").read_text() == "x"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "r.txt"
    target.write_text("old")

    def full(handle):
        handle.write(b"partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(OutputError, match=r"r\.txt.*No space left on device"):
        atomic_write(target, full)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["r.txt"]


def test_writing_over_a_folder(tmp_path):
    (tmp_path / "r.html").mkdir()
    with pytest.raises(OutputError, match=r"r\.html"):
        atomic_write(tmp_path / "r.html", "x")
    with pytest.raises(OutputError, match=r"--report = '.*r\.html' is a folder"):
        check_writable(tmp_path / "r.html", "--report")
    assert os.listdir(tmp_path) == ["r.html"]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_folder_that_takes_no_files():
    with pytest.raises(OutputError, match=r"cannot write '/proc/r\.txt' \(in the folder '/proc'\)"):
        atomic_write("/proc/r.txt", "x")
    with pytest.raises(OutputError, match=r"cannot write '/proc/new/x'"):
        make_folder("/proc/new/x")


def test_check_output_suffix_and_nothing_created(tmp_path):
    with pytest.raises(SpecError, match=r"plot = '.*p\.gif': the file name must end in \.png or"):
        check_output(tmp_path / "p.gif", "plot", (".png", ".svg"))
    assert check_output(tmp_path / "new" / "p.PNG", "plot", (".png",)).name == "p.PNG"
    assert os.listdir(tmp_path) == []  # checking creates nothing
