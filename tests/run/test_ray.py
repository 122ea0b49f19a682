"""The Ray executor: one Ray task per cohort, the driver writes the store, same rows as local.

One local Ray (2 CPUs) serves the module's API tests; the CLI test starts and stops its own,
as a user's `batchlab run --executor ray` does.
"""

import os
import subprocess
import sys
import time
import warnings

import pandas as pd
import pytest
import ray

from batchlab.errors import BatchlabError, ModelError, SpecError
from batchlab.run import Progress, run_study
from batchlab.store import Store
from batchlab.study import Study

SPEC = {
    "name": "on-ray",
    "dataset": "blobs",
    "epochs": 6,
    "model": {"kind": "mlp", "hidden": [16]},
    "optimizer": {"name": "sgd"},
    "sweep": {
        "batch_size": [4, 16, "full"],
        "learning_rate": [0.01, 0.05],
        "momentum": [0.9],
        "seeds": 2,
    },
}
KEY = ["trial", "epoch"]


@pytest.fixture(scope="module")
def local_ray():
    with warnings.catch_warnings():
        # Ray starts its processes with fork + exec; JAX, once up, warns about any fork.
        warnings.filterwarnings("ignore", "os.fork", RuntimeWarning)
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def history(store, name="on-ray"):
    with Store(store, create=False) as st:
        h = st.history(name)
    h = h.sort_values(KEY).reset_index(drop=True)
    return h.drop(columns="wall_seconds")  # measures the machine


def diagnostics(store, name):
    with Store(store, create=False) as st:
        d = st.diagnostics(name)
    return d.sort_values(list(d.columns[:5])).reset_index(drop=True)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    store = tmp_path_factory.mktemp("local") / "local.db"
    run_study(Study.from_dict(SPEC), store=store)
    return store


class Recorder(Progress):
    def __init__(self):
        self.epochs, self.done = {}, []

    def epoch(self, plan, epoch):
        self.epochs.setdefault(plan.cohort, []).append(epoch)

    def cohort_done(self, plan, compile_seconds, train_seconds):
        self.done.append(plan.cohort)


def test_ray_writes_exactly_the_rows_a_local_run_writes(local_ray, local_run, tmp_path):
    store = tmp_path / "ray.db"
    progress = Recorder()
    report = run_study(
        Study.from_dict(SPEC), store=store, executor="ray", commit_seconds=0, progress=progress
    )
    assert sorted(report.cohorts_run) == ["bs16-sgd", "bs4-sgd", "bs500-sgd"]
    assert report.epochs_trained == 3 * 6
    assert all(s > 0 for s in report.compile_seconds.values()), report.compile_seconds
    pd.testing.assert_frame_equal(history(store), history(local_run), check_exact=True)
    # commit_seconds=0: one chunk per epoch, each committed by the driver as it arrived
    assert progress.epochs == {c: list(range(1, 7)) for c in report.cohorts_run}
    assert sorted(progress.done) == sorted(report.cohorts_run)
    with Store(store, create=False) as st:
        assert (st.trials("on-ray").status == "done").all()
    # a finished study run again on Ray trains nothing
    again = run_study(Study.from_dict(SPEC), store=store, executor="ray")
    assert again.epochs_trained == 0 and not again.cohorts_run


class Crash(Exception):
    pass


class CrashAfter(Progress):
    """Stops a local run once ``n`` epochs of ``cohort`` are done (a crash mid-study)."""

    def __init__(self, cohort, n):
        self.at = (cohort, n)

    def epoch(self, plan, epoch):
        if (plan.cohort, epoch) == self.at:
            raise Crash


def test_ray_resumes_a_study_that_crashed_locally(local_ray, local_run, tmp_path, monkeypatch):
    monkeypatch.setenv("BATCHLAB_TRAIN_THREADS", "1")  # one cohort at a time: bs16 not started
    store = tmp_path / "resumed.db"
    spec = Study.from_dict(SPEC)
    with pytest.raises(Crash):
        # bs4 commits every epoch and is stopped in its 4th; bs16 and bs500 not started
        run_study(spec, store=store, commit_seconds=0, progress=CrashAfter("bs4-sgd", 4))
    with Store(store, create=False) as st:
        assert st.cohort_epochs_done("on-ray") == {"bs4-sgd": 3, "bs16-sgd": 0, "bs500-sgd": 0}
    report = run_study(spec, store=store, executor="ray")
    assert report.epochs_trained == 3 + 6 + 6
    pd.testing.assert_frame_equal(history(store), history(local_run), check_exact=True)


class CrashAtFirstChunk(Progress):
    def epoch(self, plan, epoch):
        raise Crash


def test_a_failed_run_cancels_its_tasks_on_the_user_s_ray(local_ray, tmp_path):
    # two cohorts of 20,000 epochs (a minute or more each): the driver fails at the first
    # chunk; without cancelling, the tasks would hold both CPUs of the user's Ray long after
    spec = Study.from_dict(
        {**SPEC, "name": "long", "epochs": 20_000, "sweep": {**SPEC["sweep"], "batch_size": [4, 8]}}
    )
    with pytest.raises(Crash):
        run_study(
            spec,
            store=tmp_path / "long.db",
            executor="ray",
            commit_seconds=0,
            progress=CrashAtFirstChunk(),
        )
    deadline = time.monotonic() + 15
    while ray.available_resources().get("CPU", 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ray.available_resources().get("CPU", 0) == 2
    with Store(tmp_path / "long.db", create=False) as st:  # the first chunk was committed
        assert sum(st.cohort_epochs_done("long").values()) == 1


def test_diagnostics_measured_in_workers_equal_local_ones(local_ray, tmp_path):
    spec = Study.from_dict(
        {
            **SPEC,
            "name": "on-ray-diag",
            "epochs": 2,
            "sweep": {**SPEC["sweep"], "batch_size": [16]},
            "diagnostics": {"enabled": True, "epochs": [0, 2], "batch_sizes": [1, 8]},
        }
    )
    run_study(spec, store=tmp_path / "a.db")
    run_study(spec, store=tmp_path / "b.db", executor="ray")
    here, there = (
        diagnostics(tmp_path / "a.db", spec.name),
        diagnostics(tmp_path / "b.db", spec.name),
    )
    assert len(here) > 0 and set(here.quantity) >= {"b_simple", "distance_from_init"}
    pd.testing.assert_frame_equal(here, there, check_exact=True)


def test_a_model_error_in_a_worker_is_raised_as_batchlab_s(local_ray, tmp_path):
    # The driver checks the model before anything is stored (three outputs, as blobs needs);
    # a worker builds ten output units for the three classes: its Cohort refuses it.
    module = tmp_path / "ten_outputs.py"
    module.write_text(
        "import os\n"
        "import keras\n"
        "def build():\n"
        f"    width = 3 if os.getpid() == {os.getpid()} else 10\n"
        "    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(width, 'softmax')])\n"
    )
    spec = Study.from_dict(
        {**SPEC, "name": "bad-model", "model": {"kind": "import", "path": f"{module}:build"}}
    )
    with pytest.raises(ModelError, match="10 units.*3 classes"):
        run_study(spec, store=tmp_path / "bad.db", executor="ray")
    with Store(tmp_path / "bad.db") as st:  # and the study is left interrupted, resumable
        assert st.studies().status.tolist() == ["interrupted"]


def test_bad_executor_settings_are_refused_by_name(tmp_path):
    spec = Study.from_dict(SPEC)
    with pytest.raises(SpecError, match=r"executor: 'spark' is not valid; use one of 'local'"):
        run_study(spec, store=tmp_path / "x.db", executor="spark")
    with pytest.raises(SpecError, match="executor 'ray' only"):
        run_study(spec, store=tmp_path / "x.db", ray_address="auto")


def test_bad_ray_options_are_refused_by_name(local_ray, tmp_path):
    with pytest.raises(SpecError, match=r"ray_options: \{'num_cpuz': 1\} is not valid"):
        run_study(
            Study.from_dict(SPEC),
            store=tmp_path / "x.db",
            executor="ray",
            ray_options={"num_cpuz": 1},
        )


def test_without_ray_installed_the_message_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(BatchlabError, match=r"pip install 'batchlab\[ray\]'"):
        run_study(Study.from_dict(SPEC), store=tmp_path / "x.db", executor="ray")


def test_cli_runs_a_study_on_a_local_ray_it_starts_and_stops(local_run, tmp_path):
    spec = tmp_path / "on-ray.toml"
    spec.write_text(Study.from_dict(SPEC).to_toml())
    store = tmp_path / "cli.db"
    out = subprocess.run(
        [sys.executable, "-m", "batchlab.cli", "run", str(spec), "--store", str(store)]
        + ["--executor", "ray", "--no-report"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    assert "on-ray: mean ± 95% CI over seeds" in out.stdout
    pd.testing.assert_frame_equal(history(store), history(local_run), check_exact=True)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--executor", "spark"], "--executor = 'spark': use one of local, ray"),
        (["--ray-address", "auto"], "--ray-address = 'auto': it needs --executor ray"),
    ],
)
def test_cli_bad_executor_options_exit_2(args, says, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "batchlab.cli", "run", "seed003-flavors", "--store"]
        + [str(tmp_path / "x.db"), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2 and says in out.stderr, out.stderr
