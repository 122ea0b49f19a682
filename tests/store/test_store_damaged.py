"""Stores that are damaged or read-only: a message naming the file and what to do, exit 2.

A read-only store stays readable (ls, show, export); writing to it is refused by name. As
root, permissions never refuse a write, so the chmod tests run the command as user
``nobody`` (with ``setpriv``) or are skipped; the read-only paths themselves are tested for
everyone through ``Store(readonly=True)``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from helpers.cli import Result, bad_input, cli, command, env, ok
from store_helpers import add_study, checkpoint, history_rows, tiny_study

from batchlab.errors import StoreError
from batchlab.store import Store, load

EPOCHS = 400
PAGE = 4096


def filled(path: Path, name: str = "tiny") -> Path:
    """A real store: one study, 4 trials x EPOCHS epochs of history, checkpointed to disk."""
    with Store(path) as store:
        add_study(store, tiny_study(name, epochs=EPOCHS))
        for cohort, trials in (("bs2-sgd", [0, 1]), ("bs10-sgd", [2, 3])):
            epochs = list(range(1, EPOCHS + 1))
            store.commit_chunk(
                name, cohort, history_rows(trials, epochs), checkpoint(2, EPOCHS), EPOCHS, done=True
            )
    assert not Path(f"{path}-wal").exists()  # the last close checkpointed the log
    return path


def test_a_damaged_store_is_named_by_every_command(tmp_path):
    path = filled(tmp_path / "damaged.db")
    data = bytearray(path.read_bytes())
    pages = len(data) // PAGE
    rng = np.random.default_rng(12)
    for page in range(pages // 3, 2 * pages // 3):  # the middle third, pages never reread
        data[page * PAGE : (page + 1) * PAGE] = rng.bytes(PAGE)
    path.write_bytes(bytes(data))
    for args in (
        ["ls"],
        ["show", "tiny"],
        ["export", "tiny", "-o", tmp_path / "out.csv"],
    ):
        result = cli(*args, "--store", path)
        bad_input(result, str(path), "damaged", "--store")
    assert not (tmp_path / "out.csv").exists()
    with pytest.raises(StoreError, match="damaged"):
        load("tiny", store=path)


def test_a_store_opened_read_only_reads_and_refuses_writes_by_name(tmp_path):
    from batchlab.run import run_study

    path = filled(tmp_path / "ro.db")
    before = path.read_bytes()
    with Store(path, readonly=True) as store:
        assert store.readonly and store.study_names() == ["tiny"]
        assert len(store.history("tiny")) == 4 * EPOCHS
        for write in (
            lambda: store.delete_study("tiny"),
            lambda: add_study(store, tiny_study("other")),
            lambda: store.commit_chunk("tiny", "bs2-sgd", None, None, EPOCHS),
        ):
            with pytest.raises(StoreError) as caught:
                write()
            message = str(caught.value)
            assert str(path) in message and "read-only" in message and "writable" in message
        with pytest.raises(StoreError, match="read-only"):
            run_study(tiny_study("other", epochs=1), store=store)
        assert store.study_names() == ["tiny"]
    assert path.read_bytes() == before
    with pytest.raises(StoreError, match="no store at"):
        Store(tmp_path / "absent.db", readonly=True)


def test_a_finished_study_runs_again_from_a_read_only_store(tmp_path):
    from batchlab.run import run_study

    path, study = tmp_path / "done.db", tiny_study("done", epochs=1)
    run_study(study, store=path)
    with Store(path, readonly=True) as store:
        again = run_study(study, store=store)  # nothing to train, nothing to write
        assert again.epochs_trained == 0 and again.finished
        assert len(store.history("done")) == 4


# ---- permissions: a chmod 444 file, a chmod 555 folder ------------------------------------


def _as_user() -> tuple[str, ...]:
    """The prefix that runs a command where permissions apply: none for a user; for root,
    ``setpriv`` to user nobody, if that can run batchlab here (else the test is skipped)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("as root, chmod does not stop writes, and setpriv is not installed")
    prefix = (setpriv, "--reuid=65534", "--regid=65534", "--clear-groups")
    probe = subprocess.run(
        [*prefix, *command("--version")], capture_output=True, text=True, env=env(), cwd="/"
    )
    if probe.returncode != 0:
        pytest.skip(
            f"as root, chmod does not stop writes, and user nobody cannot run batchlab "
            f"here: {probe.stderr[-300:]}"
        )
    return prefix


def run_as(prefix: tuple[str, ...], *args: object, cwd: Path) -> Result:
    proc = subprocess.run(
        [*prefix, *command(*args)], capture_output=True, text=True, env=env(), cwd=cwd
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def shared_folder():
    """A folder that user nobody can enter (pytest's tmp_path under root is private)."""
    folder = Path(tempfile.mkdtemp(prefix="batchlab-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_store_stays_readable_and_refuses_a_run(what, shared_folder):
    prefix = _as_user()
    path = filled(shared_folder / "ro.db")
    spec = shared_folder / "one.toml"
    spec.write_text(tiny_study("one", epochs=1).to_toml())
    outdir = shared_folder / "out"  # where user nobody may write the export
    outdir.mkdir()
    outdir.chmod(0o777)
    path.chmod(0o644)
    if what == "file":
        path.chmod(0o444)
    else:
        shared_folder.chmod(0o555)
    listed = ok(run_as(prefix, "ls", "--store", path, cwd=shared_folder))
    assert "tiny" in listed.out and "done" in listed.out
    shown = ok(run_as(prefix, "show", "tiny", "--store", path, cwd=shared_folder))
    assert "tiny: mean" in shown.out
    out = outdir / "history.csv"
    ok(run_as(prefix, "export", "tiny", "-o", out, "--store", path, cwd=shared_folder))
    assert len(out.read_text().splitlines()) == 1 + 4 * EPOCHS
    refused = run_as(prefix, "run", spec, "--store", path, "--no-report", "-q", cwd=shared_folder)
    bad_input(refused, str(path), "read-only", "writable", "--store")
    with Store(path, readonly=True) as store:
        assert store.study_names() == ["tiny"]
