"""``bl.train``: a grid from Python, run as a study through the one path.

It builds a :class:`batchlab.study.Study` from its arguments and runs it with
:func:`batchlab.run.run_study` -- the planner, the same chunk generator as the CLI and the Ray
executor -- into a store in memory (or the store the caller names, where it can be resumed).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from batchlab._results import Results
from batchlab.errors import SpecError, StoreError
from batchlab.study import Diagnostics, Optimizer, Study, Sweep, sgd
from batchlab.study._check import show


def _as_list(value) -> list:
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [value]
    return list(value)


_AXES = {
    "sweep.batch_size": "batch_size",
    "sweep.learning_rate": "learning_rate",
    "sweep.momentum": "momentum",
    "sweep.seeds": "seeds",
    "lr_rule.warmup_epochs": "warmup_epochs",
}
"""Where the spec keeps each of train's arguments: its errors name the argument."""


def _check_arguments(a: dict[str, Any]) -> None:
    """What the spec cannot say in train's words: a string where numbers are due."""
    seeds = a["seeds"]
    if isinstance(seeds, str | bool | float) or not isinstance(seeds, int | Iterable):
        raise SpecError(
            f"seeds: {seeds!r} is not valid; give a count (seeds=3: seeds 0, 1, 2) or a "
            "list of seeds (seeds=[0, 4, 7])."
        )
    for name in ("learning_rate", "momentum"):
        if isinstance(a[name], str):
            raise SpecError(
                f"{name}: {a[name]!r} is a string; give a number (0.1) or a list of numbers."
            )


def _in_train_words(exc: SpecError, scalars: set[str]) -> SpecError:
    """A spec error with the spec's paths renamed to train's arguments (``sweep.seeds`` ->
    ``seeds``; ``sweep.learning_rate[0]`` -> ``learning_rate`` when one value was given)."""
    text = str(exc).replace(" (or list explicit [[sweep.points]])", "")
    for path, argument in _AXES.items():
        if argument in scalars:
            text = text.replace(f"{path}[0]", argument)
        text = text.replace(path, argument)
    return SpecError(text)


def _study(arguments: dict[str, Any]) -> Study:
    """The :class:`Study` that :func:`train` runs for its ``arguments`` (see there)."""
    a = dict(arguments)
    optimizer = sgd() if a["optimizer"] is None else a["optimizer"]
    if not isinstance(optimizer, Optimizer):
        raise SpecError(
            f"optimizer: {optimizer!r} is not valid; use bl.sgd(momentum=..., nesterov=...) "
            "or bl.adam(...)."
        )
    _check_arguments(a)
    scalars = {
        name
        for name in ("batch_size", "learning_rate", "momentum")
        if isinstance(a[name], str) or not isinstance(a[name], Iterable)
    }
    dataset, seeds, momentum = a["dataset"], a["seeds"], a["momentum"]
    if _is_arrays(dataset):  # (x, y) or (x, y, x_test, y_test), as keras.Model.fit takes them
        dataset = _from_arrays(dataset, a["dataset_options"])
        a["dataset_options"] = None
    try:
        return Study(
            name=a["name"],
            dataset=os.fspath(dataset) if isinstance(dataset, os.PathLike) else dataset,
            dataset_options={} if a["dataset_options"] is None else a["dataset_options"],
            model={"kind": "mlp"} if a["model"] is None else a["model"],
            optimizer=optimizer,
            epochs=a["epochs"],
            loss=a["loss"],
            shuffle=a["shuffle"],
            sweep=Sweep(
                batch_size=_as_list(a["batch_size"]),
                learning_rate=_as_list(a["learning_rate"]),
                momentum=None if momentum is None else _as_list(momentum),
                seeds=list(seeds) if isinstance(seeds, Iterable) else seeds,
            ),
            lr_rule={"warmup_epochs": a["warmup_epochs"]},
            diagnostics=Diagnostics() if a["diagnostics"] is None else a["diagnostics"],
        )
    except SpecError as exc:
        raise _in_train_words(exc, scalars) from None


ARRAY_OPTIONS = ("test_fraction", "split_seed", "task", "name")
"""The ``dataset_options`` that apply to a dataset given as arrays."""


def _is_arrays(dataset: Any) -> bool:
    """A tuple or list holding an array: meant as ``(x, y)`` or ``(x, y, x_test, y_test)``."""
    return isinstance(dataset, tuple | list) and any(hasattr(v, "shape") for v in dataset)


def _from_arrays(arrays: Sequence[Any], options: Mapping[str, Any] | None):
    from batchlab.data import from_arrays

    missing = [i for i, v in enumerate(arrays) if v is None]
    if len(arrays) not in (2, 4) or missing:
        got = f"item {missing[0]} is None" if missing else f"got {len(arrays)} items"
        raise SpecError(
            f"dataset = {show(arrays)}: give arrays as (x, y) or (x, y, x_test, y_test), as "
            f"keras.Model.fit takes them; {got}"
        )
    options = dict(options or {})
    for key in options:
        if key not in ARRAY_OPTIONS:
            raise SpecError(
                f"dataset_options: {key!r} does not apply to a dataset given as arrays "
                f"(valid: {', '.join(ARRAY_OPTIONS)})"
            )
    return from_arrays(*arrays, **options)


def train(
    dataset: Any = "blobs",
    model: Any = None,
    optimizer: Optimizer | None = None,
    batch_size: int | str | Sequence[int | str] = 32,
    learning_rate: float | Sequence[float] = 0.01,
    seeds: int | Iterable[int] = 1,
    epochs: int = 200,
    *,
    momentum: float | Sequence[float] | None = None,
    warmup_epochs: float = 0.0,
    loss: str = "auto",
    shuffle: bool = True,
    diagnostics: Diagnostics | Mapping[str, Any] | None = None,
    dataset_options: Mapping[str, Any] | None = None,
    name: str = "train",
    store=None,
    progress=None,
) -> Results:
    """Train every (batch size, learning rate, momentum, seed) combination.

    Each batch size is one cohort: all its trials train as one ``jit(vmap(scan))`` program,
    with Keras ``fit``'s semantics. This is :func:`batchlab.run_study` on the study these
    arguments describe.

    Args:
        dataset: a builtin name (``"blobs"``, ``"logic"``, ``"moons"``, ``"digits"``,
            ``"mnist1d"``; ``"mnist"``, ``"fashion_mnist"``, ``"cifar10"``, ``"cifar100"``
            from the Keras cache), a ``.csv``/``.npz`` path, arrays as ``keras.Model.fit``
            takes them: ``(x, y)`` (a stratified ``test_fraction`` held out, default 0.2) or
            ``(x, y, x_test, y_test)`` (:func:`batchlab.data.from_arrays`), or a
            :class:`batchlab.data.Dataset`.
        model: ``bl.models.mlp(...)``, ``bl.models.cnn1d()``, any callable returning an
            uncompiled ``keras.Model`` (with or without ``(input_shape, n_outputs)``), an
            import path ``"package.module:function"``, a builtin name (``"cnn2d"``,
            ``"resnet"``...) or a saved ``"model.keras"``. Default: seed 003's MLP.
        optimizer: ``bl.sgd(momentum=..., nesterov=...)`` (default ``bl.sgd()``) or
            ``bl.adam(...)``.
        batch_size: an int, ``"full"`` (batch gradient descent), or a list of them.
        learning_rate: one rate or a list.
        seeds: a count ``n`` (seeds ``0..n-1``) or a list of seeds.
        epochs: epochs per trial.
        momentum: momentum values to sweep (default: the optimizer's).
        warmup_epochs: linear learning-rate warmup, in epochs.
        loss: ``"auto"`` (cross-entropy), ``"crossentropy"``, ``"binary_crossentropy"``,
            ``"mse"``.
        shuffle: reshuffle each epoch (Keras's default).
        diagnostics: gradient statistics to record (``{"enabled": True, "epochs": [0, 5]}``;
            see ``docs/studies.md``).
        dataset_options: the dataset's options, as ``dataset_options`` in a study file
            (``{"n_train": 5000, "scale": "unit"}`` for MNIST; ``{"label": "y"}`` for a CSV
            file; see docs/datasets.md).
        name: the study's name in the store.
        store: where to keep the study: None (default) for memory only; a path to keep it
            (and to resume it if interrupted: the same call continues where it stopped).
        progress: a :class:`batchlab.run.Progress` to report to; default: progress bars in
            a Jupyter notebook, nothing elsewhere.

    Returns:
        The :class:`batchlab.Results`; ``.history`` has one row per (trial, epoch).

    Example:
        >>> import batchlab as bl
        >>> r = bl.train("blobs", bl.models.mlp([50]), bl.sgd(momentum=0.9),
        ...              batch_size=[32, "full"], learning_rate=[0.01], seeds=2, epochs=3)
        >>> sorted(r.history.batch_size.unique().tolist()), len(r.history)
        ([32, 500], 12)
    """
    from batchlab.run._runner import run_study
    from batchlab.store import MEMORY, Store

    study = _study({k: v for k, v in locals().items() if k not in ("store", "progress")})
    if progress is None:  # in Jupyter: progress bars in the cell
        from batchlab._notebook import notebook_progress

        progress = notebook_progress()
    if store is not None:
        report = run_study(study, store=store, progress=progress)
        if not report.finished:
            who = ", ".join(f"{c} ({owner})" for c, owner in report.cohorts_elsewhere.items())
            raise StoreError(
                f"study {study.name!r} in store {str(report.store)!r} is also being trained by "
                f"another process: {who}; load it with bl.load({study.name!r}, store=...) "
                "once that has ended"
            )
        return Results.load(study.name, store=store)
    with Store(MEMORY) as st:
        run_study(study, store=st, progress=progress, commit_seconds=math.inf)
        results = Results.load(study.name, store=st)
        final = {c: st.load_checkpoint(study.name, c)[1] for c in st.cohort_epochs_done(study.name)}
    return Results(results.tables, final.get)
