"""``batchlab export -o FILE``: the format follows the suffix, a contradiction is refused, and
the file is readable by others (0644) like every file batchlab writes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat

import pandas as pd
import pytest
from store_helpers import add_study, history_rows

from batchlab.cli import main
from batchlab.store import Store


@pytest.fixture
def filled(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as store:
        add_study(store)
        store.commit_chunk("tiny", "bs2-sgd", history_rows([0, 1], [1, 2]), None, 2)
    return path


def cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in args])
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", ["h.parquet", "h.pq", "h.csv", "h.json"])
def test_format_from_the_suffix_and_mode_0644(filled, tmp_path, name):
    path = tmp_path / name
    old = os.umask(0o022)
    try:
        rc, out, err = cli("export", "tiny", "-o", path, "--store", filled)
    finally:
        os.umask(old)
    assert rc == 0, err
    if path.suffix in (".parquet", ".pq"):
        frame = pd.read_parquet(path)  # a real Parquet file, not CSV text
    elif path.suffix == ".json":
        frame = pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
    else:
        frame = pd.read_csv(path)
    assert len(frame) == 4 and set(frame.trial) == {0, 1}
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]  # no temporary file left


@pytest.mark.parametrize(
    "fmt, name, implied", [("csv", "h.parquet", "parquet"), ("parquet", "h.json", "json")]
)
def test_a_format_that_contradicts_the_suffix_is_refused(filled, tmp_path, fmt, name, implied):
    rc, out, err = cli("export", "tiny", "--format", fmt, "-o", tmp_path / name, "--store", filled)
    message = " ".join(err.split())
    assert rc == 2, out + err
    assert f"format '{fmt}'" in message and name in message and f"means {implied}" in message
    assert not (tmp_path / name).exists()


def test_an_explicit_format_for_an_unknown_suffix(filled, tmp_path):
    rc, out, err = cli(
        "export", "tiny", "--format", "json", "-o", tmp_path / "h.txt", "--store", filled
    )
    assert rc == 0, err
    assert len(json.loads((tmp_path / "h.txt").read_text(encoding="utf-8"))) == 4
    rc, out, err = cli("export", "tiny", "-o", tmp_path / "h.txt", "--store", filled)
    assert rc == 2 and "cannot tell the format" in err
