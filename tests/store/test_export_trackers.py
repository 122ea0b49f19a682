"""``export --to mlflow`` and ``--to tensorboard``, read back with each tracker's own reader.

MLflow: a local ``sqlite:`` store in a temporary folder, read back with ``MlflowClient``.
TensorBoard: event files read back with TensorBoard's ``EventAccumulator``, the hparams
through its own ``plugin_data_pb2``. A missing extra is exit code 2 with the install command.
"""

from __future__ import annotations

import contextlib
import io
import math
import sys

import pytest
from store_helpers import add_study, history_rows

from batchlab.cli import main
from batchlab.store import Store, export_mlflow, export_tensorboard, load

EPOCHS = 3


@pytest.fixture
def filled(tmp_path):
    """Study 'tiny': 4 trials (bs2-sgd: 0, 1; bs10-sgd: 2, 3), 3 epochs each, all done; trial
    0's epoch-3 test loss is NaN."""
    path = tmp_path / "s.db"
    with Store(path) as store:
        add_study(store, None)
        rows = history_rows([0, 1], range(1, EPOCHS + 1))
        rows.loc[2, "test_loss"] = math.nan
        store.commit_chunk("tiny", "bs2-sgd", rows, None, EPOCHS, done=True)
        store.commit_chunk(
            "tiny", "bs10-sgd", history_rows([2, 3], range(1, EPOCHS + 1)), None, EPOCHS, done=True
        )
    return path


def cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in args])
    return rc, out.getvalue(), err.getvalue()


# ---- MLflow ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mlflow_dir(tmp_path_factory):
    """One MLflow store for the module: making its tables takes seconds."""
    return tmp_path_factory.mktemp("mlflow")


def test_mlflow_one_nested_run_per_trial(filled, mlflow_dir, monkeypatch):
    from mlflow import MlflowClient

    monkeypatch.chdir(mlflow_dir)  # MLflow's default artifact root is relative to the cwd
    uri = f"sqlite:///{mlflow_dir / 'mlflow.db'}"
    rc, out, err = cli("export", "tiny", "--to", "mlflow", "--tracking-uri", uri, "--store", filled)
    assert rc == 0, out + err
    assert "logged 4 trial runs" in out

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("tiny")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1 and parents[0].info.run_name == "tiny"
    parent = parents[0]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(children) == 4 == len(runs) - 1
    assert parent.data.params["dataset"] == "blobs" and parent.data.params["trials"] == "4"
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"report.html", "study.toml", "spec.json"} <= artifacts

    tables = load("tiny", filled)
    for run in children:
        trial = int(run.data.tags["batchlab.trial"])
        row = tables.trials.set_index("trial").loc[trial]
        assert run.data.params["batch_size"] == str(row.batch_size)
        assert float(run.data.params["learning_rate"]) == row.learning_rate
        assert run.data.params["seed"] == str(row.seed)
        assert run.info.status == "FINISHED"
        history = client.get_metric_history(run.info.run_id, "test_accuracy")
        expected = tables.history[tables.history.trial == trial]
        assert [m.step for m in sorted(history, key=lambda m: m.step)] == [1, 2, 3]
        for metric in history:
            value = expected.loc[expected.epoch == metric.step, "test_accuracy"].item()
            assert metric.value == pytest.approx(value)
        steps = {m.step: m.value for m in client.get_metric_history(run.info.run_id, "test_loss")}
        assert math.isnan(steps[3]) == (trial == 0)


def test_mlflow_python_api_into_a_named_experiment(filled, mlflow_dir, monkeypatch):
    from mlflow import MlflowClient

    monkeypatch.chdir(mlflow_dir)
    uri = f"sqlite:///{mlflow_dir / 'mlflow.db'}"
    done = export_mlflow(filled, "tiny", tracking_uri=uri, experiment="batch sizes", report=False)
    assert sorted(done.trial_run_ids) == [0, 1, 2, 3]
    client = MlflowClient(tracking_uri=uri)
    assert client.get_experiment(done.experiment_id).name == "batch sizes"
    run = client.get_run(done.trial_run_ids[2])
    assert run.data.tags["mlflow.parentRunId"] == done.parent_run_id
    assert run.data.metrics["updates"] == 15  # the last epoch's (3 x 5)
    artifacts = {a.path for a in client.list_artifacts(done.parent_run_id)}
    assert artifacts == {"study.toml", "spec.json"}


# ---- TensorBoard -----------------------------------------------------------------------


def test_tensorboard_run_folder_per_trial_and_hparams(filled, tmp_path):
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.plugins.hparams import metadata, plugin_data_pb2
    from tensorboard.util import tensor_util

    logs = tmp_path / "tb"
    rc, out, err = cli("export", "tiny", "--to", "tensorboard", "-o", logs, "--store", filled)
    assert rc == 0, out + err
    runs = sorted(p.name for p in logs.iterdir() if p.is_dir())
    assert runs == [
        "trial-000_bs2_lr0.1_seed0",
        "trial-001_bs2_lr0.1_seed1",
        "trial-002_bs10_lr0.1_seed0",
        "trial-003_bs10_lr0.1_seed1",
    ]
    tables = load("tiny", filled)

    def accumulator(path):
        acc = ea.EventAccumulator(str(path), size_guidance={ea.TENSORS: 0})
        return acc.Reload()

    for trial, name in enumerate(runs):
        acc = accumulator(logs / name)
        assert {"test_accuracy", "train_loss", "updates", "diverged"} <= set(acc.Tags()["tensors"])
        events = acc.Tensors("test_accuracy")
        expected = tables.history[tables.history.trial == trial].test_accuracy.tolist()
        assert [e.step for e in events] == [1, 2, 3]
        got = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]
        assert got == pytest.approx(expected)
        # the hparams plugin's record of this trial's settings
        content = acc.PluginTagToContent(metadata.PLUGIN_NAME)
        start = plugin_data_pb2.HParamsPluginData.FromString(
            content[metadata.SESSION_START_INFO_TAG]
        ).session_start_info
        row = tables.trials.set_index("trial").loc[trial]
        assert start.hparams["batch_size"].number_value == row.batch_size
        assert start.hparams["learning_rate"].number_value == pytest.approx(row.learning_rate)
        assert start.hparams["optimizer"].string_value == "sgd"
    loss = accumulator(logs / runs[0]).Tensors("test_loss")
    assert math.isnan(float(tensor_util.make_ndarray(loss[-1].tensor_proto)))

    # the experiment at the top: the settings and the metrics of the hparams table
    top = accumulator(logs).PluginTagToContent(metadata.PLUGIN_NAME)
    experiment = plugin_data_pb2.HParamsPluginData.FromString(
        top[metadata.EXPERIMENT_TAG]
    ).experiment
    assert {h.name for h in experiment.hparam_infos} >= {"batch_size", "learning_rate", "seed"}
    assert "test_accuracy" in {m.name.tag for m in experiment.metric_infos}


def test_tensorboard_refuses_a_folder_with_runs(filled, tmp_path):
    export_tensorboard(filled, "tiny", tmp_path / "tb")
    rc, out, err = cli(
        "export", "tiny", "--to", "tensorboard", "-o", tmp_path / "tb", "--store", filled
    )
    assert rc == 2 and "already holds TensorBoard event files" in err


# ---- options and missing extras --------------------------------------------------------


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--to", "wandb"], "use one of mlflow, tensorboard"),
        (["--to", "tensorboard"], "--output: give the folder"),
        (["--to", "mlflow", "-o", "x"], "--to mlflow writes to --tracking-uri"),
        (["--to", "mlflow", "--format", "csv"], "applies to files"),
        (["-o", "h.csv", "--tracking-uri", "sqlite:///x.db"], "it needs --to mlflow"),
        ([], "--output: give the file"),
    ],
)
def test_bad_options(filled, args, needle):
    rc, out, err = cli("export", "tiny", *args, "--store", filled)
    assert rc == 2 and needle in " ".join(err.split()), err


@pytest.mark.parametrize("tracker, module", [("mlflow", "mlflow"), ("tensorboard", "tensorboard")])
def test_missing_extra_says_how_to_install(filled, tmp_path, monkeypatch, tracker, module):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    args = ["-o", tmp_path / "tb"] if tracker == "tensorboard" else []
    rc, out, err = cli("export", "tiny", "--to", tracker, *args, "--store", filled)
    assert rc == 2, out + err
    assert f"pip install 'batchlab[{tracker}]'" in " ".join(err.split()) and "Traceback" not in err
