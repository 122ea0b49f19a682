"""The study spec: one frozen dataclass per concept, validated on construction.

A :class:`Study` is what a TOML file, a builtin name or Python code describes. Every
dataclass normalizes and validates its own fields in ``__post_init__`` (so ``Study(...)``,
``Study.from_dict`` and ``Study.replace`` all check the same things) and raises
:class:`~batchlab.errors.SpecError` naming the dotted field, the value and what is valid.

Example::

    >>> from batchlab.study import Study, Sweep
    >>> s = Study(name="demo", dataset="blobs", epochs=5,
    ...           sweep=Sweep(batch_size=[8, "full"], learning_rate=[0.01], seeds=2))
    >>> s.n_trials
    4
    >>> Study.from_dict(s.to_dict()) == s
    True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from batchlab._format import plural
from batchlab.data._builtin import BUILTINS
from batchlab.data._dataset import Dataset
from batchlab.data._keras import KERAS_DATASETS, check_keras_options
from batchlab.errors import ModelError, SpecError
from batchlab.models._resolve import BUILTIN_MODELS
from batchlab.study import _check as c
from batchlab.study._fields import FULL, Section, section_value, set_field
from batchlab.study._lr_rule import LRRule
from batchlab.study._optimizer import Optimizer
from batchlab.study._schedule import CONSTANT, Schedule, parse_schedules, schedule
from batchlab.study._sections import Analysis, Diagnostics
from batchlab.study._sweep import Sweep

BUILTIN_DATASETS = (*BUILTINS, *KERAS_DATASETS)
"""Datasets batchlab knows by name (the last four through Keras's loaders, from the Keras
cache); any other ``dataset`` must be a ``.csv`` or ``.npz`` file path."""
DATASET_SUFFIXES = (".csv", ".npz")
MODEL_KINDS = (*BUILTIN_MODELS, "import", "keras_file")
MODEL_KEYS: dict[str, tuple[str, ...]] = {
    **{
        kind: ("kind", *(f.name for f in dataclasses.fields(cls)))
        for kind, cls in BUILTIN_MODELS.items()
    },
    "import": ("kind", "path"),
    "keras_file": ("kind", "path"),
}
"""The keys a ``[model]`` table of each kind accepts (a builtin's are its builder's fields)."""
LOSSES = ("auto", "crossentropy", "binary_crossentropy", "mse")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_IMPORT_PATH = re.compile(r"[^:\s][^\s]*:[A-Za-z_][\w.]*")


_SECTIONS: dict[str, type] = {
    "optimizer": Optimizer,
    "sweep": Sweep,
    "lr_rule": LRRule,
    "analysis": Analysis,
    "diagnostics": Diagnostics,
}
_REQUIRED = ("name", "dataset", "epochs", "sweep")


def _model(value: Any) -> dict[str, Any] | Callable:
    """A model description (a table), or a Python builder kept as it is.

    A builder that can be described -- a builtin (``bl.models.mlp(...)``) or a module-level
    function -- becomes its description, so a study written in Python and the same study in
    TOML are one study; other callables (lambdas, closures, ``__main__`` functions) stay
    objects, and the spec names them.
    """
    if not isinstance(value, Mapping):
        keras = sys.modules.get("keras")
        layer = keras is not None and isinstance(value, keras.layers.Layer)
        if layer and not isinstance(value, keras.Model):
            raise ModelError(
                f"model: got a Keras layer, {_short(value)}; pass what builds a model: "
                "bl.models.mlp([50]), a function returning a keras.Model (with no arguments "
                "or (input_shape, n_outputs)), 'package.module:function', or a builtin name "
                f"({', '.join(MODEL_KINDS[:-1])})"
            )
        if isinstance(value, str) or callable(value):
            from batchlab.models import describe_model

            described = describe_model(value)
            return value if described["kind"] == "callable" else _model(described)
        raise c.fail(
            "model",
            value,
            "expected a table with a 'kind', a builtin model name, 'package.module:function', "
            "or a callable (input_shape, n_outputs) -> keras.Model",
        )
    model = c.plain(c.table(value, "model"), "model")
    if "kind" not in model:
        raise SpecError(f"model has no 'kind': expected one of {', '.join(map(repr, MODEL_KINDS))}")
    kind = c.choice(model["kind"], "model.kind", MODEL_KINDS)
    for key in model:
        if key not in MODEL_KEYS[kind]:
            valid = MODEL_KEYS[kind]
            raise SpecError(
                f"unknown key {key!r} in [model] of kind {kind!r}{c.suggest(str(key), valid)} "
                f"(valid keys: {', '.join(valid)})"
            )
    if kind in BUILTIN_MODELS:
        _builtin_fields(kind, model)
    if kind == "mlp":
        if "hidden" in model:
            for path, units in c.items(model["hidden"], "model.hidden", scalar_ok=False):
                c.integer(units, path, minimum=1)
        for key in ("activation", "init", "output"):
            if key in model:
                c.string(model[key], f"model.{key}")
    if kind == "import":
        if "path" not in model:
            raise SpecError(
                "model.kind = 'import' needs model.path = 'package.module:function' "
                "(or 'path/to/file.py:function')"
            )
        path = c.string(model["path"], "model.path")
        if not _IMPORT_PATH.fullmatch(path):
            raise c.fail(
                "model.path", path, "expected 'package.module:function' or 'file.py:function'"
            )
    if kind == "keras_file":
        if set(model) != {"kind", "path"}:
            c.check_keys(model, ["kind", "path"], "model")
            raise SpecError("model.kind = 'keras_file' needs model.path = 'path/to/model.keras'")
        path = c.string(model["path"], "model.path")
        if not path.endswith(".keras"):
            raise c.fail("model.path", path, "expected a path to a .keras file")
    return model


# The builtins whose fields are checked here in full; the others' Keras names (activation,
# init) are checked when the model is built, before anything is stored.
_CHECKED_HERE = ("cnn2d", "resnet")


def _builtin_fields(kind: str, model: Mapping[str, Any]) -> None:
    """Check a builtin model's keys (unknown ones named, with a suggestion) and, for
    cnn2d and resnet, their types and values, as ``model.<field>`` errors."""
    cls = BUILTIN_MODELS[kind]
    c.check_keys(model, ["kind", *(f.name for f in dataclasses.fields(cls))], "model")
    if kind in _CHECKED_HERE:
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in model.items()}
        del fields["kind"]
        try:
            cls(**fields)
        except ModelError as e:
            raise SpecError(str(e).replace(f"{kind}.", "model.", 1)) from None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _dataset(value: Any) -> str | Dataset:
    if isinstance(value, Dataset):
        return value
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str | Mapping):
        raise c.fail(
            "dataset",
            value,
            f"expected a builtin dataset name ({', '.join(BUILTIN_DATASETS)}), a path to a "
            f"{' or '.join(DATASET_SUFFIXES)} file, or a batchlab.data.Dataset",
        )
    if isinstance(value, Mapping) and value.get("kind") == "python":
        raise c.fail(
            "dataset",
            dict(value),
            "this study was defined in Python with a Dataset object, which a spec cannot "
            "hold; run it from Python again, passing the same Dataset",
        )
    value = c.string(value, "dataset")
    if value in BUILTIN_DATASETS:
        return value
    looks_like_path = "/" in value or "\\" in value or value.lower().endswith(DATASET_SUFFIXES)
    if not looks_like_path:
        raise c.fail(
            "dataset",
            value,
            f"expected a builtin dataset ({', '.join(BUILTIN_DATASETS)}) or a path to a "
            f"{' or '.join(DATASET_SUFFIXES)} file{c.suggest(value, BUILTIN_DATASETS)}",
        )
    return value


@dataclass(frozen=True, kw_only=True)
class Study:
    """A named grid of trials plus its analysis settings.

    Build one from a TOML file or a builtin name (:func:`batchlab.study.load_study`), from a
    dict (:meth:`from_dict`) or directly; sections may be given as dataclasses or dicts.
    ``to_dict`` / ``from_dict`` and ``to_toml`` / ``load_study`` round-trip exactly.
    """

    name: str
    """The study's name in the store: letters, digits, ``.``, ``_``, ``-``."""
    description: str = ""
    """One line saying what the study asks (shown by ``batchlab studies``)."""
    dataset: str | Dataset
    """A builtin dataset (blobs, logic, moons, digits, mnist1d; mnist, fashion_mnist, cifar10,
    cifar100 from the Keras cache), a .csv / .npz file path, or (from Python) a
    :class:`batchlab.data.Dataset`."""
    dataset_options: dict[str, Any] = field(default_factory=dict)
    """Options for the dataset loader, e.g. ``{"label": "y"}`` for a CSV file, ``{"n_train":
    5000, "scale": "unit"}`` for MNIST (docs/datasets.md)."""
    model: dict[str, Any] | Callable = field(default_factory=lambda: {"kind": "mlp"})
    """The model: ``{"kind": "mlp", "hidden": [50], "activation": "relu", "init": "he_uniform",
    "output": "softmax"}``, ``{"kind": "cnn1d"}``, ``{"kind": "cnn2d", "filters": [16, 32]}``,
    ``{"kind": "resnet", "depth": 20}``, ``{"kind": "import", "path": "pkg.mod:fn"}`` or
    ``{"kind": "keras_file", "path": "net.keras"}`` (a string is short for these: a builtin's
    name with its defaults, ``"pkg.mod:fn"``, ``"net.keras"``); keys besides ``kind`` (and
    ``path``) go to the model builder (docs/models.md). From
    Python also a builder (``bl.models.mlp(...)``, any ``(input_shape, n_outputs) ->
    keras.Model``), kept as its description when it has one."""
    optimizer: Optimizer = field(default_factory=Optimizer)
    """The optimizer (SGD, SGD with Nesterov momentum, or Adam)."""
    epochs: int
    """Training epochs of every trial."""
    loss: str = "auto"
    """``"auto"`` (crossentropy for single-label classes, binary crossentropy for multi-label
    targets), ``"crossentropy"``, ``"binary_crossentropy"`` or ``"mse"``."""
    shuffle: bool = True
    """Reshuffle the training set every epoch, drawing Keras ``fit``'s own permutations
    (``False``: the data order, every epoch)."""
    sweep: Sweep
    """The trials: batch sizes x learning rates (or explicit points) x momentum x seeds."""
    lr_rule: LRRule = field(default_factory=LRRule)
    """Batch-size scaling of the learning rate, and warmup."""
    analysis: Analysis = field(default_factory=Analysis)
    """Target accuracy, metrics and x-axes of the analysis."""
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    """Gradient statistics recorded during training."""
    schedules: dict[str, Any] = field(default_factory=dict)
    """Named learning-rate and batch-size schedules (``[schedules.NAME]`` tables, see
    :mod:`batchlab.study._schedule`), run by the sweep's ``schedule`` axis."""
    full_size: dict[str, Any] = field(default_factory=dict)
    """What ``batchlab run --full`` changes (:meth:`at_full_size`): a builtin shrunk for a CPU
    keeps its full size here, as :meth:`replace` keys, e.g. ``{"dataset_options": {},
    "epochs": 30}``. Not part of :attr:`spec_hash`: it changes nothing that is trained."""

    def __post_init__(self) -> None:
        name = c.string(self.name, "name")
        if not _NAME.fullmatch(name):
            raise c.fail("name", name, "use letters, digits, '.', '_' and '-' (not first)")
        set_field(self, "description", c.string(self.description, "description"))
        set_field(self, "dataset", _dataset(self.dataset))
        options = c.plain(c.table(self.dataset_options, "dataset_options"), "dataset_options")
        if options and isinstance(self.dataset, Dataset):
            raise c.fail("dataset_options", options, "options apply to a name or a file only")
        if self.dataset in KERAS_DATASETS:
            check_keras_options(self.dataset, options)  # the values need no data to check
        set_field(self, "dataset_options", options)
        set_field(self, "model", _model(self.model))
        set_field(self, "epochs", c.integer(self.epochs, "epochs", minimum=1))
        set_field(self, "loss", c.choice(self.loss, "loss", LOSSES))
        set_field(self, "shuffle", c.boolean(self.shuffle, "shuffle"))
        for section, cls in _SECTIONS.items():
            set_field(self, section, section_value(cls, getattr(self, section), section))
        set_field(self, "schedules", parse_schedules(self.schedules))
        for i, name in enumerate(self.sweep.schedule or ()):
            if name not in self.schedules:
                raise c.fail(
                    f"sweep.schedule[{i}]",
                    name,
                    "not a schedule of this study; define it in a [schedules."
                    f"{name}] table{c.suggest(name, list(self.schedules))}"
                    + (f" (schedules: {', '.join(self.schedules)})" if self.schedules else ""),
                )
        for i, epoch in enumerate(self.diagnostics.epochs):
            if epoch > self.epochs:
                raise c.fail(
                    f"diagnostics.epochs[{i}]",
                    epoch,
                    f"beyond the study's {plural(self.epochs, 'epoch')}",
                )
        full = c.plain(c.table(self.full_size, "full_size"), "full_size")
        set_field(self, "full_size", full)
        if full:
            self.at_full_size()  # every key and value is checked as the full study

    def __hash__(self) -> int:  # the dict fields are not hashable; the canonical form is
        return hash(self.spec_hash)

    # ---- derived values -------------------------------------------------------------

    @property
    def momenta(self) -> tuple[float, ...]:
        """The momentum axis, resolved: the sweep's, or 0 for SGD / beta_1 for Adam."""
        if self.sweep.momentum is not None:
            return self.sweep.momentum
        return (self.optimizer.default_momentum,)

    def schedule(self, name: str) -> Schedule:
        """The schedule called ``name`` (``""``: constant rate and batch size)."""
        return CONSTANT if not name else schedule(name, self.schedules[name])

    @property
    def n_trials(self) -> int:
        """Number of trials: combinations x schedules x momenta x seeds, by arithmetic
        (nothing is built, so a huge ``seeds`` is counted at once)."""
        return self.sweep.n_pairs * self.sweep.n_schedules * len(self.momenta) * self.sweep.n_seeds

    @property
    def grid_shape(self) -> str:
        """The sizes of the grid's axes, as text: ``3 batch sizes x 2 learning rates x 1
        momentum x 5 seeds`` (``4 points x ...`` with ``[[sweep.points]]``)."""
        from batchlab._format import plural

        sweep = self.sweep
        if sweep.points:
            pairs = plural(len(sweep.points), "point")
        else:
            pairs = (
                f"{plural(len(sweep.batch_size), 'batch size')} x "
                f"{plural(len(sweep.learning_rate), 'learning rate')}"
            )
        momenta = len(self.momenta)
        if sweep.schedule:
            pairs += f" x {plural(len(sweep.schedule), 'schedule')}"
        return (
            f"{pairs} x {momenta} {'momentum' if momenta == 1 else 'momenta'} x "
            f"{plural(sweep.n_seeds, 'seed')}"
        )

    @property
    def spec_hash(self) -> str:
        """A stable hash (16 hex digits) of the canonical JSON of :meth:`to_dict`."""
        data = self.to_dict()
        data.pop("full_size", None)
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # ---- checks that need the dataset -----------------------------------------------

    def resolve_batch_size(self, batch_size: int | str, n_train: int) -> int:
        """``"full"`` -> ``n_train``; an integer as is."""
        return n_train if batch_size == FULL else int(batch_size)

    def validate_against(self, n_train: int) -> None:
        """Check what needs the training-set size: batch sizes <= n_train, no two batch sizes
        that resolve to the same number, diagnostics sizes <= n_train."""
        n_train = c.integer(n_train, "n_train", minimum=1)
        resolved: dict[tuple[int, float], str] = {}
        for i, (batch, rate) in enumerate(self.sweep.pairs):
            if self.sweep.points:
                path = f"sweep.points[{i}].batch_size"
            else:
                path = f"sweep.batch_size[{self.sweep.batch_size.index(batch)}]"
            if batch != FULL and batch > n_train:
                raise c.fail(
                    path,
                    batch,
                    f"larger than the training set ({n_train} examples); use at most "
                    f"{n_train} or 'full'",
                )
            key = (self.resolve_batch_size(batch, n_train), rate)
            if key in resolved and resolved[key] != path:
                raise c.fail(
                    path,
                    batch,
                    f"resolves to batch size {key[0]}, as {resolved[key]} does "
                    f"(the training set has {n_train} examples)",
                )
            resolved.setdefault(key, path)
        if self.diagnostics.enabled:
            for i, batch in enumerate(self.diagnostics.batch_sizes):
                if batch > n_train:
                    raise c.fail(
                        f"diagnostics.batch_sizes[{i}]",
                        batch,
                        f"larger than the training set ({n_train} examples)",
                    )
            size = self.diagnostics.sample_size
            if size is not None and size > n_train:
                raise c.fail(
                    "diagnostics.sample_size", size, f"larger than the training set ({n_train})"
                )

    # ---- conversions ----------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Study:
        """Build a study from plain data (a parsed TOML file or :meth:`to_dict`'s output)."""
        data = c.table(data, "study")
        c.check_keys(data, [f.name for f in dataclasses.fields(cls)], "")
        for key in _REQUIRED:
            if key not in data:
                raise SpecError(
                    f"missing key {key!r} at the top level "
                    f"(required: {', '.join(_REQUIRED[:-1])} and a [sweep] table)"
                )
        kwargs = dict(data)
        for section, section_cls in _SECTIONS.items():
            if section in data:
                kwargs[section] = section_cls.from_dict(c.table(data[section], section))
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON/TOML data (lists, dicts, str, int, float, bool; no ``None``)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Section):
                value = value.to_dict()
            elif f.name == "schedules" and not value:
                continue  # no schedules: the spec (and its hash) as before they existed
            elif isinstance(value, dict):
                value = c.plain(value, f.name)
            elif isinstance(value, Dataset):
                value = {"kind": "python", "name": value.name, "fingerprint": value.fingerprint}
            elif f.name == "model":
                from batchlab.models import describe_model

                value = describe_model(value)
            out[f.name] = value
        if not out["full_size"]:
            del out["full_size"]  # most studies have none
        return out

    @property
    def portable(self) -> bool:
        """True when :meth:`to_dict` holds everything (no Python objects): the study can be
        written as TOML and run again from the store's copy of its spec."""
        return not isinstance(self.dataset, Dataset) and isinstance(self.model, dict)

    def to_toml(self) -> str:
        """The study as TOML text that :func:`batchlab.study.load_study` reads back equal
        (for a :attr:`portable` study)."""
        from batchlab.study._toml import dumps

        return dumps(self.to_dict())

    def at_full_size(self) -> Study:
        """The study at its full size: :attr:`full_size` applied, named ``NAME-full`` (so it
        is stored beside the shrunk one).

        Raises SpecError when the study has no ``[full_size]`` table, or when a key or value
        in it is not valid (named ``full_size.KEY``).
        """
        if not self.full_size:
            raise SpecError(
                f"--full: study {self.name!r} has no [full_size] table; it runs at its only "
                "size (only a study that is shrunk for a CPU has a full size)"
            )
        base = {"name": f"{self.name}-full", "full_size": {}}
        for key, value in self.full_size.items():  # one at a time: the error names its key
            try:
                self.replace(**base, **{key: value})
            except SpecError as e:
                raise SpecError(f"full_size.{key}: {e}") from None
        try:
            return self.replace(**base, **self.full_size)
        except SpecError as e:
            raise SpecError(f"[full_size]: {e}") from None

    def replace(self, **changes: Any) -> Study:
        """A copy with some fields changed, validated again.

        Keys are top-level fields (``epochs=10``), fields of a section named on their own
        when unambiguous or the sweep's (``seeds=3``, ``momentum=[0.9]``,
        ``target_accuracy=0.9``) or
        dotted (``**{"diagnostics.epochs": [0, 5]}``). ``None`` resets a field to its
        default. Sections may be given as dataclasses or dicts.

        Shortening ``epochs`` (``--epochs 2`` on a builtin) drops the diagnostics epochs
        beyond the new end, keeping the last epoch in their place, unless the diagnostics
        epochs are changed in the same call.
        """
        data = self.to_dict()
        for name in ("dataset", "model"):  # Python objects stay themselves
            if not isinstance(getattr(self, name), str | dict):
                data[name] = getattr(self, name)
        if "epochs" in changes and not {"diagnostics", "diagnostics.epochs"} & set(changes):
            epochs = changes["epochs"]
            measured = data["diagnostics"]["epochs"]
            if isinstance(epochs, int) and epochs >= 1 and max(measured) > epochs:
                kept = [e for e in measured if e <= epochs]
                data["diagnostics"]["epochs"] = kept if epochs in kept else [*kept, epochs]
        for key, value in changes.items():
            section, name = _locate(key)
            if isinstance(value, Section):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = list(value)
            target = data if section is None else data.setdefault(section, {})
            if value is None:
                target.pop(name, None)
            else:
                target[name] = value
            if section == "sweep" and name in ("batch_size", "learning_rate"):
                target.pop("points", None)
            if section == "sweep" and name == "points":
                target.pop("batch_size", None)
                target.pop("learning_rate", None)
        return Study.from_dict(data)


def _locate(key: str) -> tuple[str | None, str]:
    """Where a ``replace`` key lives: (section or None, field name)."""
    top = [f.name for f in dataclasses.fields(Study)]
    if "." in key:
        section, _, name = key.partition(".")
        fields = (
            [f.name for f in dataclasses.fields(_SECTIONS[section])] if section in _SECTIONS else []
        )
        if name in fields:
            return section, name
    elif key in top:
        return None, key
    else:
        owners = [
            section
            for section, cls in _SECTIONS.items()
            if key in [f.name for f in dataclasses.fields(cls)]
        ]
        if "sweep" in owners:  # the axes: `momentum=` means the swept values
            return "sweep", key
        if len(owners) == 1:
            return owners[0], key
        if len(owners) > 1:
            raise SpecError(
                f"ambiguous field {key!r}: it is in {', '.join(owners)}; "
                f"write e.g. '{owners[0]}.{key}'"
            )
    valid = top + [f"{s}.{f.name}" for s, cls in _SECTIONS.items() for f in dataclasses.fields(cls)]
    valid += [f.name for cls in _SECTIONS.values() for f in dataclasses.fields(cls)]
    raise SpecError(f"unknown field {key!r}{c.suggest(key, valid)}")
