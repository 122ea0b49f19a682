"""Bad input, one case per line (issue 12's list and more): every case exits 2 from the CLI
(a typed batchlab error from Python) with a message that names the field and the value, no
traceback, and the store exactly as it was.

The CLI runs in this process (helpers.cli), and nothing here trains: each case fails in the
checks a run makes before it trains or stores anything. The store holds a finished study 'w'
made without training (helpers.runner.filler)."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import numpy as np
import pytest
from helpers.cli import cli
from helpers.runner import filler

import batchlab as bl
from batchlab.errors import BatchlabError

VALID = """
name = "bad"
dataset = "blobs"
epochs = 2

[model]
kind = "mlp"
hidden = [4]

[optimizer]
name = "sgd"

[sweep]
batch_size = [8]
learning_rate = [0.1]
seeds = 1
"""


R = {  # the lines of VALID, named, for replacing
    "name": 'name = "bad"',
    "dataset": 'dataset = "blobs"',
    "epochs": "epochs = 2",
    "kind": 'kind = "mlp"',
    "hidden": "hidden = [4]",
    "optimizer": 'name = "sgd"',
    "batch": "batch_size = [8]",
    "rate": "learning_rate = [0.1]",
    "seeds": "seeds = 1",
}


def sub(**changes: str) -> str:
    text = VALID
    for key, new in changes.items():
        if key == "add":
            text += "\n" + new + "\n"
        else:
            assert R[key] in text
            text = text.replace(R[key], new, 1)
    return text


# (id, TOML text, needles: the field and the value, at least)
SPECS = [
    ("top-level typo", sub(epochs="epoch = 2"), ["'epoch'", "epochs"]),
    ("unknown section", sub(add="[sweeps]\nseeds = 2"), ["'sweeps'", "sweep"]),
    ("epochs 0", sub(epochs="epochs = 0"), ["epochs", "0"]),
    ("epochs text", sub(epochs='epochs = "ten"'), ["epochs", "ten"]),
    ("epochs float", sub(epochs="epochs = 2.5"), ["epochs", "2.5"]),
    ("name with spaces", sub(name='name = "my study!"'), ["name", "my study!"]),
    ("description number", sub(dataset='description = 3\ndataset = "blobs"'),
     ["description", "3"]),
    ("dataset typo", sub(dataset='dataset = "blobz"'), ["dataset", "blobz", "blobs"]),
    ("dataset number", sub(dataset="dataset = 5"), ["dataset", "5"]),
    ("dataset suffix", sub(dataset='dataset = "data.txt"'), ["dataset", "data.txt"]),
    ("dataset missing file", sub(dataset='dataset = "nowhere.csv"'), ["nowhere.csv"]),
    ("no dataset key", sub(dataset=""), ["'dataset'"]),
    ("no sweep", VALID.split("[sweep]")[0], ["sweep"]),
    ("toml syntax", sub(epochs="epochs = = 2"), ["TOML syntax error", "line 4"]),
    ("loss", sub(epochs='epochs = 2\nloss = "hinge"'), ["loss", "hinge"]),
    ("shuffle", sub(epochs='epochs = 2\nshuffle = "yes"'), ["shuffle", "yes"]),
    ("options on a builtin", sub(epochs="epochs = 2\ndataset_options = { label = 'y' }"),
     ["label", "blobs"]),
    ("model kind", sub(kind='kind = "transformer"'), ["model.kind", "transformer"]),
    ("model key typo", sub(hidden="hiddn = [4]"), ["'hiddn'", "hidden"]),
    ("model hidden 0", sub(hidden="hidden = [0]"), ["model.hidden[0]", "0"]),
    ("model hidden text", sub(hidden='hidden = "wide"'), ["model.hidden", "wide"]),
    ("model activation", sub(hidden='hidden = [4]\nactivation = "relux"'),
     ["model.activation", "relux"]),
    ("model init", sub(hidden='hidden = [4]\ninit = "nope_init"'), ["init", "nope_init"]),
    ("model output", sub(hidden='hidden = [4]\noutput = "tanh"'), ["output", "tanh"]),
    ("cnn1d kernel", sub(kind='kind = "cnn1d"', hidden="kernel_size = 0"),
     ["kernel_size", "0"]),
    ("import no path", sub(kind='kind = "import"', hidden=""), ["model.path"]),
    ("import bad path", sub(kind='kind = "import"', hidden='path = "no colon"'),
     ["model.path", "no colon"]),
    ("import missing module", sub(kind='kind = "import"', hidden='path = "nomodule_xyz:build"'),
     ["nomodule_xyz"]),
    ("import extra key", sub(kind='kind = "import"', hidden='path = "m:f"\nwidth = 3'),
     ["'width'", "path"]),
    ("optimizer name", sub(optimizer='name = "rmsprop"'), ["optimizer.name", "rmsprop"]),
    ("optimizer momentum", sub(optimizer='name = "sgd"\nmomentum = 1.5'),
     ["optimizer.momentum", "1.5"]),
    ("optimizer nesterov adam", sub(optimizer='name = "adam"\nnesterov = true'),
     ["optimizer.nesterov", "sgd"]),
    ("optimizer epsilon", sub(optimizer='name = "adam"\nepsilon = 0'), ["optimizer.epsilon", "0"]),
    ("optimizer beta_1", sub(optimizer='name = "adam"\nbeta_1 = -0.1'),
     ["optimizer.beta_1", "-0.1"]),
    ("optimizer key", sub(optimizer='name = "sgd"\nlr = 0.1'), ["'lr'", "optimizer"]),
    ("batch size 0", sub(batch="batch_size = [0]"), ["sweep.batch_size[0]", "0"]),
    ("batch size flavor typo", sub(batch='batch_size = ["fulll"]'),
     ["sweep.batch_size[0]", "fulll", "full"]),
    ("batch size too large", sub(batch="batch_size = [10000]"),
     ["sweep.batch_size[0]", "10000", "500"]),
    ("batch size twice", sub(batch="batch_size = [8, 8]"), ["sweep.batch_size", "8"]),
    ("batch sizes resolve alike", sub(batch='batch_size = [500, "full"]'),
     ["sweep.batch_size[1]", "full", "500"]),
    ("rate negative", sub(rate="learning_rate = [-0.1]"), ["sweep.learning_rate[0]", "-0.1"]),
    ("rate empty", sub(rate="learning_rate = []"), ["sweep.learning_rate"]),
    ("rate text", sub(rate='learning_rate = ["fast"]'), ["sweep.learning_rate[0]", "fast"]),
    ("momentum 1", sub(seeds="seeds = 1\nmomentum = [1.0]"), ["sweep.momentum[0]", "1.0"]),
    ("seeds 0", sub(seeds="seeds = 0"), ["sweep.seeds", "0"]),
    ("seeds negative", sub(seeds="seeds = -3"), ["sweep.seeds", "-3"]),
    ("seeds twice", sub(seeds="seeds = [1, 1]"), ["sweep.seeds", "1"]),
    ("seeds huge", sub(seeds="seeds = 1000000000"), ["1000000000", "--max-trials"]),
    ("points and axes",
     sub(seeds="seeds = 1\n\n[[sweep.points]]\nbatch_size = 8\nlearning_rate = 0.1"),
     ["sweep.batch_size", "points"]),
    ("point without rate",
     sub(batch="", rate="", seeds="seeds = 1\n\n[[sweep.points]]\nbatch_size = 8"),
     ["sweep.points[0]", "learning_rate"]),
    ("point key", sub(batch="", rate="",
                      seeds="seeds = 1\n\n[[sweep.points]]\nbatch_size = 8\nlr = 0.1"),
     ["'lr'", "sweep.points"]),
    ("lr rule", sub(add='[lr_rule]\nrule = "cubic"'), ["lr_rule.rule", "cubic"]),
    ("warmup", sub(add="[lr_rule]\nwarmup_epochs = -1"), ["lr_rule.warmup_epochs", "-1"]),
    ("reference batch", sub(add="[lr_rule]\nreference_batch_size = 0"),
     ["lr_rule.reference_batch_size", "0"]),
    ("target 1.5", sub(add="[analysis]\ntarget_accuracy = 1.5"),
     ["analysis.target_accuracy", "1.5"]),
    ("target 90", sub(add="[analysis]\ntarget_accuracy = 90"), ["analysis.target_accuracy", "90"]),
    ("metric", sub(add='[analysis]\nmetrics = ["f1"]'), ["analysis.metrics[0]", "f1"]),
    ("x axis", sub(add='[analysis]\nx_axes = ["minutes"]'), ["analysis.x_axes[0]", "minutes"]),
    ("diagnostics epoch", sub(add="[diagnostics]\nenabled = true\nepochs = [5]"),
     ["diagnostics.epochs[0]", "5"]),
    ("diagnostics quantity", sub(add='[diagnostics]\nenabled = true\nquantities = ["sharpnes"]'),
     ["diagnostics.quantities", "sharpnes"]),
    ("diagnostics batches", sub(add="[diagnostics]\nn_batches = 0"),
     ["diagnostics.n_batches", "0"]),
    ("diagnostics batch size", sub(add="[diagnostics]\nenabled = true\nbatch_sizes = [100000]"),
     ["diagnostics.batch_sizes[0]", "100000"]),
]  # fmt: skip


# Dataset files: (id, file name, content or a writer, dataset_options TOML, needles)
def _npz(path, **arrays):
    np.savez(path, **arrays)


FILES = [
    ("csv no label column", "d.csv", "a,b\n1,2\n3,4\n", "", ["d.csv", "'label'"]),
    ("csv semicolons", "d.csv", "a;b;label\n1;2;0\n3;4;1\n", "",
     ["d.csv line 1", "'a;b;label'", "semicolons", "comma-separated"]),
    ("csv tabs", "d.csv", "a\tb\tlabel\n1\t2\t0\n", "", ["d.csv line 1", "tabs"]),
    ("csv label option", "d.csv", "a,b,label\n1,2,0\n3,4,1\n", "{ label = 'y' }", ["'y'", "label"]),
    ("csv option typo", "d.csv", "a,label\n1,0\n2,1\n", "{ lable = 'label' }", ["lable", "label"]),
    ("csv test fraction", "d.csv", "a,label\n1,0\n2,1\n", "{ test_fraction = 1.5 }",
     ["test_fraction", "1.5"]),
    ("csv split seed", "d.csv", "a,label\n1,0\n2,1\n", "{ split_seed = -1 }", ["split_seed", "-1"]),
    ("csv task", "d.csv", "a,label\n1,0\n2,1\n", "{ task = 'regression' }",
     ["task", "regression"]),
    ("csv bad cell", "d.csv", "a,label\n1,0\nx,1\n2,0\n3,1\n", "", ["line 3", "'a'", "'x'"]),
    ("csv empty", "d.csv", "", "", ["d.csv", "empty"]),
    ("npz label option", "d.npz", lambda p: _npz(p, x=np.ones((4, 2)), y=np.array([0, 1, 0, 1])),
     "{ label = 'y2' }", ["label", "y2"]),
    ("npz not an archive", "d.npz", "not a zip", "", ["d.npz", "np.savez"]),
    ("npz length mismatch", "d.npz", lambda p: _npz(p, x=np.ones((4, 2)), y=np.array([0, 1])),
     "", ["'x'", "'y'", "4"]),
]  # fmt: skip


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts(path) -> dict[str, int]:
    with sqlite3.connect(path) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("bad") / "s.db"
    filler(path, epochs=3, pause=0).run()  # a finished study 'w', made without training
    return path


@pytest.fixture
def unchanged(store):
    """Yields; then checks the store's bytes and row counts are what they were."""
    before, rows = digest(store), counts(store)
    yield
    assert counts(store) == rows
    assert digest(store) == before


def bad(result, needles) -> None:
    message = " ".join(result.err.split())
    assert result.rc == 2, f"exit {result.rc}\n{result.out}\n{result.err}"
    assert "Traceback" not in result.err + result.out, result.err
    for needle in needles:
        assert needle in message, f"{needle!r} not in: {result.err}"


@pytest.mark.parametrize(("text", "needles"), [c[1:] for c in SPECS], ids=[c[0] for c in SPECS])
def test_bad_study_file(text, needles, store, unchanged, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    bad(cli("run", path, "--store", store, "-q", "--no-report"), needles)


@pytest.mark.parametrize(
    ("name", "content", "options", "needles"), [c[1:] for c in FILES], ids=[c[0] for c in FILES]
)
def test_bad_dataset_file(name, content, options, needles, store, unchanged, tmp_path):
    data = tmp_path / name
    if callable(content):
        content(data)
    else:
        data.write_text(content)
    text = sub(dataset=f'dataset = "{name}"')
    if options:
        text = text.replace("epochs = 2", f"epochs = 2\ndataset_options = {options}")
    path = tmp_path / "bad.toml"
    path.write_text(text)
    bad(cli("run", path, "--store", store, "-q", "--no-report"), needles)


# (id, argv with {store} / {tmp}, needles)
OPTIONS = [
    ("run --epochs 0", ["run", "seed003-flavors", "--epochs", "0"], ["--epochs", "0"]),
    ("run --seeds -1", ["run", "seed003-flavors", "--seeds", "-1"], ["--seeds", "-1"]),
    ("run --epochs text", ["run", "seed003-flavors", "--epochs", "abc"], ["--epochs", "abc"]),
    ("run --target 1.5", ["run", "seed003-flavors", "--target", "1.5"], ["--target", "1.5"]),
    ("run --target -0.5", ["run", "seed003-flavors", "--target", "-0.5"], ["--target", "-0.5"]),
    ("run --max-trials 0", ["run", "seed003-flavors", "--max-trials", "0"],
     ["--max-trials", "0"]),
    ("run --max-trials small", ["run", "seed003-grid", "--max-trials", "3"],
     ["3", "--max-trials"]),
    ("run --commit-every", ["run", "seed003-flavors", "--commit-every", "-1"],
     ["--commit-every", "-1"]),
    ("run --executor", ["run", "seed003-flavors", "--executor", "dask"], ["--executor", "dask"]),
    ("run --ray-address", ["run", "seed003-flavors", "--ray-address", "auto"],
     ["--ray-address", "auto"]),
    ("run --name", ["run", "seed003-flavors", "--name", "my study!"], ["name", "my study!"]),
    ("run unknown study", ["run", "seed003-gird"], ["seed003-gird", "seed003-grid"]),
    ("run missing file", ["run", "{tmp}/nowhere.toml"], ["nowhere.toml"]),
    ("run a folder as store", ["run", "seed003-flavors", "--store", "{tmp}"], ["{tmp}"]),
    ("run store in missing folder", ["run", "seed003-flavors", "--store", "{tmp}/no/s.db"],
     ["{tmp}/no"]),
    ("run --new on another spec", ["run", "seed003-flavors", "--name", "w"], ["'w'"]),
    ("show unknown study", ["show", "nope"], ["nope", "w"]),
    ("show --target 90", ["show", "w", "--target", "90"], ["--target", "90"]),
    ("show missing store", ["show", "w", "--store", "{tmp}/missing.db"], ["missing.db"]),
    ("ls missing store", ["ls", "--store", "{tmp}/missing.db"], ["missing.db"]),
    ("ls damaged store", ["ls", "--store", "{tmp}/damaged.db"], ["damaged.db"]),
    ("ls not a store", ["ls", "--store", "{tmp}/text.db"], ["text.db"]),
    ("export suffix", ["export", "w", "-o", "{tmp}/h.xlsx"], [".xlsx", "csv"]),
    ("export mismatch", ["export", "w", "-o", "{tmp}/h.parquet", "--format", "csv"],
     ["parquet", "csv"]),
    ("export format", ["export", "w", "-o", "{tmp}/h.xml", "--format", "xml"], ["xml"]),
    ("export unknown study", ["export", "nope", "-o", "{tmp}/h.csv"], ["nope"]),
    ("export tracker", ["export", "w", "--to", "wandb"], ["wandb"]),
    ("plot kind", ["plot", "w", "--kind", "pie", "-o", "{tmp}/p.png"], ["--kind", "pie"]),
    ("plot suffix", ["plot", "w", "--kind", "curves", "-o", "{tmp}/p.gif"], ["p.gif"]),
    ("plot x", ["plot", "w", "--kind", "curves", "--x", "minutes", "-o", "{tmp}/p.png"],
     ["minutes"]),
    ("plot metric", ["plot", "w", "--kind", "curves", "--metric", "f1", "-o", "{tmp}/p.png"],
     ["f1"]),
    ("plot needs diagnostics", ["plot", "w", "--kind", "gradients", "-o", "{tmp}/p.png"],
     ["gradients"]),
    ("plot unknown study", ["plot", "nope", "--kind", "curves", "-o", "{tmp}/p.png"], ["nope"]),
    ("report --target 0", ["report", "w", "--target", "0"], ["--target", "0"]),
    ("report unknown study", ["report", "nope", "-o", "{tmp}/r.html"], ["nope"]),
    ("recommend goal", ["recommend", "w", "--goal", "fastest"], ["fastest"]),
    ("recommend --min-reached", ["recommend", "w", "--min-reached", "2"],
     ["--min-reached", "2"]),
    ("noise-scale --epochs", ["noise-scale", "seed003-grid", "--epochs", "0"], ["--epochs", "0"]),
    ("noise-scale --at", ["noise-scale", "seed003-grid", "--at", "middle"], ["--at", "middle"]),
    ("studies show unknown", ["studies", "show", "seed003-gird"], ["seed003-gird", "seed003-grid"]),
    ("scratch epochs", ["scratch", "logic", "--epochs", "0"], ["--epochs", "0"]),
    ("scratch lr", ["scratch", "logic", "--lr", "-1"], ["--lr", "-1"]),
    ("scratch plot suffix", ["scratch", "logic", "--plot", "{tmp}/p.txt"], ["p.txt"]),
    ("watch unknown study", ["watch", "nope", "--wait", "0"], ["nope"]),
    ("watch refresh", ["watch", "w", "--refresh", "0"], ["--refresh", "0"]),
    ("serve port", ["serve", "--port", "70000"], ["--port", "70000"]),
    ("demo seeds", ["demo", "--seeds", "0"], ["--seeds", "0"]),
    # outputs that cannot be written ({tmp}/afile is a file): refused before any work
    ("report suffix", ["report", "w", "-o", "{tmp}/r.png"], ["r.png", ".html"]),
    ("report under a file", ["report", "w", "-o", "{tmp}/afile/r.html"],
     ["{tmp}/afile/r.html", "is a file, not a folder"]),
    ("report is a folder", ["report", "w", "-o", "{tmp}/folder.html"],
     ["{tmp}/folder.html", "is a folder"]),
    ("run --report suffix", ["run", "seed003-flavors", "--report", "{tmp}/r.pdf"],
     ["--report", "r.pdf", ".html"]),
    ("run --report under a file", ["run", "seed003-flavors", "--report", "{tmp}/afile/r.html"],
     ["--report", "{tmp}/afile/r.html", "is a file"]),
    ("plot under a file", ["plot", "w", "--kind", "curves", "-o", "{tmp}/afile/p.png"],
     ["{tmp}/afile/p.png", "is a file, not a folder"]),
    ("export under a file", ["export", "w", "-o", "{tmp}/afile/h.csv"],
     ["{tmp}/afile/h.csv", "is a file, not a folder"]),
    ("export tensorboard under a file", ["export", "w", "--to", "tensorboard", "-o",
     "{tmp}/afile/tb"], ["{tmp}/afile/tb", "is a file, not a folder"]),
    ("scratch plot under a file", ["scratch", "logic", "--plot", "{tmp}/afile/l.png"],
     ["{tmp}/afile/l.png", "is a file, not a folder"]),
    ("unknown command", ["trian"], ["trian"]),
    ("unknown option", ["ls", "--stor", "x.db"], ["--stor"]),
]  # fmt: skip
NEEDS_STORE = {"show", "export", "plot", "report", "recommend", "watch", "run", "demo", "serve"}


@pytest.mark.parametrize(("argv", "needles"), [c[1:] for c in OPTIONS], ids=[c[0] for c in OPTIONS])
def test_bad_option(argv, needles, store, unchanged, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing is written here either
    (tmp_path / "damaged.db").write_bytes(store.read_bytes()[:4096] + b"\0" * 8192)
    (tmp_path / "text.db").write_text("these are not the pages of an SQLite database\n" * 200)
    (tmp_path / "afile").write_text("a file where a folder is needed\n")
    (tmp_path / "folder.html").mkdir()
    argv = [a.format(store=store, tmp=tmp_path) for a in argv]
    if argv[0] in NEEDS_STORE and "--store" not in argv:
        argv += ["--store", str(store)]
    before = sorted(os.listdir(tmp_path))
    bad(cli(*argv), [n.format(tmp=tmp_path) for n in needles])
    assert sorted(os.listdir(tmp_path)) == before  # no file was made


# Python: a typed exception naming the argument and the value.
TRAIN = [
    ("model not a builder", dict(model=42), ["model", "42"]),
    ("model a string", dict(model="transformer"), ["model", "transformer"]),
    ("dataset typo", dict(dataset="blobz"), ["dataset", "blobz"]),
    ("dataset type", dict(dataset=3.5), ["dataset", "3.5"]),
    ("batch size 0", dict(batch_size=[0]), ["batch_size", "0"]),
    ("learning rate text", dict(learning_rate="fast"), ["learning_rate", "fast"]),
    ("seeds text", dict(seeds="3"), ["seeds", "3"]),
    ("epochs 0", dict(epochs=0), ["epochs", "0"]),
    ("optimizer", dict(optimizer="rmsprop"), ["optimizer", "rmsprop"]),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "needles"), [c[1:] for c in TRAIN], ids=[c[0] for c in TRAIN])
def test_bad_train_argument(kwargs, needles, store, unchanged):
    args = dict(dataset="blobs", batch_size=[8], learning_rate=[0.1], epochs=1, store=store)
    with pytest.raises(BatchlabError) as caught:
        bl.train(**{**args, **kwargs})
    for needle in needles:
        assert needle in str(caught.value), str(caught.value)


def test_there_are_at_least_sixty_cases():
    assert len(SPECS) + len(FILES) + len(OPTIONS) + len(TRAIN) >= 60


@pytest.mark.parametrize("value", ["lots", "0", "-1GB", "2 parsecs"])
def test_bad_memory_budget_in_the_environment(value, store, unchanged, tmp_path, monkeypatch):
    """Checked before anything is stored: neither the existing store nor a new one changes."""
    monkeypatch.setenv("BATCHLAB_MEMORY_BUDGET", value)
    monkeypatch.chdir(tmp_path)
    needles = ["$BATCHLAB_MEMORY_BUDGET", repr(value)]
    bad(cli("run", "seed003-flavors", "--store", store, "-q", "--no-report"), needles)
    bad(cli("run", "seed003-flavors", "--store", tmp_path / "new.db", "-q"), needles)
    assert os.listdir(tmp_path) == []
