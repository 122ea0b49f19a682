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
import itertools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from batchlab._columns import METRIC_KINDS, X_AXES
from batchlab._seeds import MAX_SEED
from batchlab.errors import SpecError
from batchlab.study import _check as c

BUILTIN_DATASETS = ("blobs", "logic", "moons", "digits", "mnist1d")
"""Datasets batchlab ships; any other ``dataset`` must be a ``.csv`` or ``.npz`` file path."""
DATASET_SUFFIXES = (".csv", ".npz")
MODEL_KINDS = ("mlp", "cnn1d", "import")
OPTIMIZERS = ("sgd", "adam")
LOSSES = ("auto", "crossentropy", "binary_crossentropy", "mse")
LR_RULES = ("none", "linear", "sqrt")
FULL = "full"
BATCH_FLAVORS: dict[str, int | str] = {
    "full": FULL,
    "batch": FULL,
    "stochastic": 1,
    "minibatch": 32,
}
"""Names accepted for a batch size: batch gradient descent (the whole training set),
stochastic gradient descent (one example) and Keras's default mini-batch (32)."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_IMPORT_PATH = re.compile(r"[^:\s][^\s]*:[A-Za-z_][\w.]*")


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _batch_size(value: Any, path: str) -> int | str:
    if isinstance(value, str):
        if value not in BATCH_FLAVORS:
            raise c.fail(
                path,
                value,
                "expected a positive integer or one of "
                f"{', '.join(map(repr, BATCH_FLAVORS))}{c.suggest(value, BATCH_FLAVORS)}",
            )
        return BATCH_FLAVORS[value]
    if isinstance(value, bool) or not isinstance(value, int):
        raise c.fail(path, value, "expected a positive integer or 'full'")
    if value <= 0:
        raise c.fail(path, value, "batch sizes must be >= 1 (or 'full' for the whole set)")
    return int(value)


def _learning_rate(value: Any, path: str) -> float:
    value = c.number(value, path)
    if value <= 0:
        raise c.fail(path, value, "learning rates must be > 0")
    return value


def _momentum(value: Any, path: str) -> float:
    value = c.number(value, path)
    if not 0.0 <= value < 1.0:
        raise c.fail(path, value, "momentum must be in [0, 1)")
    return value


def _axis(value: Any, path: str, item, what: str) -> tuple:
    values = tuple(item(v, p) for p, v in c.items(value, path))
    c.non_empty(values, path, what)
    c.unique(values, path)
    return values


def _section(cls: type, value: Any, path: str) -> Any:
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        return cls.from_dict(value)
    raise c.fail(path, value, f"expected a table or a {cls.__name__}")


class _Section:
    """from_dict / to_dict shared by the sections of a study (``[sweep]``, ``[optimizer]`` ...)."""

    SECTION: ClassVar[str] = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Build from a TOML table; unknown keys are errors (with the closest valid key)."""
        data = c.table(data, cls.SECTION)
        c.check_keys(data, [f.name for f in dataclasses.fields(cls)], cls.SECTION)
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON/TOML data; ``None`` fields are left out; tuples become lists."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True, kw_only=True)
class Optimizer(_Section):
    """The optimizer every trial of a study uses (its learning rate and momentum come from
    the sweep). Defaults are Keras's."""

    SECTION: ClassVar[str] = "optimizer"

    name: str = "sgd"
    """``"sgd"`` (with the sweep's momentum) or ``"adam"``."""
    nesterov: bool = False
    """Nesterov momentum for SGD (``keras.optimizers.SGD(nesterov=True)``); SGD only."""
    beta_1: float = 0.9
    """Adam's first-moment decay; the default momentum of an Adam study."""
    beta_2: float = 0.999
    """Adam's second-moment decay."""
    epsilon: float = 1e-7
    """Adam's epsilon (Keras's default 1e-7, not optax's 1e-8)."""

    def __post_init__(self) -> None:
        _set(self, "name", c.choice(self.name, "optimizer.name", OPTIMIZERS))
        _set(self, "nesterov", c.boolean(self.nesterov, "optimizer.nesterov"))
        for name in ("beta_1", "beta_2"):
            value = c.number(getattr(self, name), f"optimizer.{name}")
            if not 0.0 <= value < 1.0:
                raise c.fail(f"optimizer.{name}", value, "must be in [0, 1)")
            _set(self, name, value)
        epsilon = c.number(self.epsilon, "optimizer.epsilon")
        if epsilon <= 0:
            raise c.fail("optimizer.epsilon", epsilon, "must be > 0")
        _set(self, "epsilon", epsilon)
        if self.nesterov and self.name != "sgd":
            raise c.fail("optimizer.nesterov", True, "Nesterov momentum applies to 'sgd' only")

    @property
    def kind(self) -> str:
        """``"sgd"``, ``"nesterov"`` or ``"adam"``: the trials table's ``optimizer`` column."""
        if self.name == "sgd" and self.nesterov:
            return "nesterov"
        return self.name


@dataclass(frozen=True, kw_only=True)
class Point(_Section):
    """One explicit (batch size, learning rate) combination of a sweep."""

    SECTION: ClassVar[str] = "sweep.points"

    batch_size: int | str
    """Examples per update: a positive integer, ``"full"``, or a flavor name
    (``"batch"`` = full, ``"stochastic"`` = 1, ``"minibatch"`` = 32)."""
    learning_rate: float
    """The (base) learning rate, > 0."""

    def __post_init__(self) -> None:
        self._normalize("point")

    def _normalize(self, path: str) -> Point:
        _set(self, "batch_size", _batch_size(self.batch_size, f"{path}.batch_size"))
        _set(self, "learning_rate", _learning_rate(self.learning_rate, f"{path}.learning_rate"))
        return self


@dataclass(frozen=True, kw_only=True)
class Sweep(_Section):
    """The trials of a study: (batch size, learning rate) combinations x momentum x seeds.

    The (batch size, learning rate) combinations come in one of two forms, never both:

    * a **grid**: ``batch_size`` and ``learning_rate`` axes, all of their combinations
      (``batch_size = [16, 32]``, ``learning_rate = [0.01, 0.1]`` -> 4 combinations);
    * explicit **points**: a list of ``[[sweep.points]]`` tables, each one (batch_size,
      learning_rate) pair, for experiments that are not a full product (seed 003 compares
      batch GD at 0.01, SGD at 0.01 and 0.001, and mini-batch 32 at 0.01).

    Either way, every combination is crossed with every ``momentum`` and every seed. The
    points form was chosen over "several sweeps per study" because a study stays one table
    of trials with one set of seeds and one momentum axis, and overrides such as
    ``--seeds`` still mean one thing.
    """

    SECTION: ClassVar[str] = "sweep"

    batch_size: tuple[int | str, ...] = ()
    """Batch-size axis: positive integers, ``"full"`` (the whole training set, resolved when
    the dataset is loaded), or a flavor name (``"batch"`` = full, ``"stochastic"`` = 1,
    ``"minibatch"`` = 32). Empty when ``points`` is used."""
    learning_rate: tuple[float, ...] = ()
    """Learning-rate axis (> 0). With an ``lr_rule`` other than ``"none"`` these are the rates
    at the rule's reference batch size. Empty when ``points`` is used."""
    momentum: tuple[float, ...] | None = None
    """Momentum axis, each in [0, 1). ``None`` (the default) means the optimizer's own: 0 for
    SGD, ``optimizer.beta_1`` for Adam. For Adam the values are beta_1."""
    seeds: int | tuple[int, ...] = 1
    """An int N (seeds 0..N-1) or an explicit list of distinct non-negative seeds."""
    points: tuple[Point, ...] = ()
    """Explicit (batch_size, learning_rate) combinations, instead of the two axes."""

    def __post_init__(self) -> None:
        if self.points:
            points = []
            for path, raw in c.items(self.points, "sweep.points", scalar_ok=False):
                if isinstance(raw, Point):
                    batch, rate = raw.batch_size, raw.learning_rate
                elif isinstance(raw, Mapping):
                    c.check_keys(raw, ["batch_size", "learning_rate"], "sweep.points")
                    for key in ("batch_size", "learning_rate"):
                        if key not in raw:
                            raise SpecError(f"{path} has no {key!r}")
                    batch, rate = raw["batch_size"], raw["learning_rate"]
                else:
                    raise c.fail(path, raw, "expected a table with batch_size and learning_rate")
                point = object.__new__(Point)
                _set(point, "batch_size", batch)
                _set(point, "learning_rate", rate)
                points.append(point._normalize(path))
            _set(self, "points", tuple(points))
            for name in ("batch_size", "learning_rate"):
                if getattr(self, name) not in ((), []):
                    raise c.fail(
                        f"sweep.{name}",
                        getattr(self, name),
                        "give either the batch_size and learning_rate axes or [[sweep.points]], "
                        "not both",
                    )
            _set(self, "batch_size", ())
            _set(self, "learning_rate", ())
            c.unique(self.pairs, "sweep.points")
        else:
            _set(self, "points", ())
            hint = "(or list explicit [[sweep.points]])"
            _set(
                self,
                "batch_size",
                _axis(self.batch_size, "sweep.batch_size", _batch_size, f"batch size {hint}"),
            )
            _set(
                self,
                "learning_rate",
                _axis(
                    self.learning_rate,
                    "sweep.learning_rate",
                    _learning_rate,
                    f"learning rate {hint}",
                ),
            )
        if self.momentum is not None:
            _set(
                self,
                "momentum",
                _axis(self.momentum, "sweep.momentum", _momentum, "momentum value"),
            )
        if isinstance(self.seeds, int) and not isinstance(self.seeds, bool):
            _set(self, "seeds", c.integer(self.seeds, "sweep.seeds", minimum=1, maximum=MAX_SEED))
        else:
            seeds = _axis(
                self.seeds,
                "sweep.seeds",
                lambda v, p: c.integer(v, p, minimum=0, maximum=MAX_SEED),
                "seed",
            )
            _set(self, "seeds", seeds)

    @property
    def seed_values(self) -> tuple[int, ...]:
        """The seeds, explicit: ``seeds = 3`` -> ``(0, 1, 2)``."""
        if isinstance(self.seeds, int):
            return tuple(range(self.seeds))
        return self.seeds

    @property
    def pairs(self) -> tuple[tuple[int | str, float], ...]:
        """(batch_size, learning_rate) combinations in trial order: the points as listed, or
        the grid with the batch size varying slowest."""
        if self.points:
            return tuple((p.batch_size, p.learning_rate) for p in self.points)
        return tuple(itertools.product(self.batch_size, self.learning_rate))

    @property
    def batch_sizes(self) -> tuple[int | str, ...]:
        """The distinct batch sizes, in order of first appearance."""
        return tuple(dict.fromkeys(b for b, _ in self.pairs))

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.points:
            del out["batch_size"], out["learning_rate"]
            out["points"] = [p.to_dict() for p in self.points]
        else:
            del out["points"]
        return out


@dataclass(frozen=True, kw_only=True)
class LRRule(_Section):
    """How a trial's learning rate depends on its batch size, and the warmup.

    With ``rule = "linear"`` a trial at batch size B gets ``base * B / reference_batch_size``
    (Goyal et al. 2017, "Accurate, Large Minibatch SGD"); with ``"sqrt"``
    ``base * sqrt(B / reference_batch_size)`` (Krizhevsky 2014; Hoffer et al. 2017). The
    sweep's learning rates are then the rates *at the reference batch size*.
    """

    SECTION: ClassVar[str] = "lr_rule"

    rule: str = "none"
    """``"none"`` (the sweep's rates as given), ``"linear"`` or ``"sqrt"``."""
    reference_batch_size: int = 32
    """The batch size at which the sweep's learning rates hold (Keras's default batch)."""
    warmup_epochs: float = 0.0
    """Linear warmup from 0 to the trial's rate over this many epochs (0 = none)."""

    def __post_init__(self) -> None:
        _set(self, "rule", c.choice(self.rule, "lr_rule.rule", LR_RULES))
        _set(
            self,
            "reference_batch_size",
            c.integer(self.reference_batch_size, "lr_rule.reference_batch_size", minimum=1),
        )
        warmup = c.number(self.warmup_epochs, "lr_rule.warmup_epochs")
        if warmup < 0:
            raise c.fail("lr_rule.warmup_epochs", warmup, "must be >= 0")
        _set(self, "warmup_epochs", warmup)

    def factor(self, batch_size: int) -> float:
        """The multiplier applied to a base learning rate at ``batch_size``."""
        ratio = batch_size / self.reference_batch_size
        if self.rule == "linear":
            return ratio
        if self.rule == "sqrt":
            return math.sqrt(ratio)
        return 1.0

    def rate(self, base_rate: float, batch_size: int) -> float:
        """The learning rate a trial at ``batch_size`` uses, from the sweep's ``base_rate``."""
        return base_rate * self.factor(batch_size)


@dataclass(frozen=True, kw_only=True)
class Analysis(_Section):
    """What the analysis reports: the target accuracy and the axes to compare on."""

    SECTION: ClassVar[str] = "analysis"

    target_accuracy: float | None = None
    """Test accuracy that counts as "learned", in (0, 1]. ``None``: 95% of the best mean final
    test accuracy over the study's settings (computed by the analysis)."""
    metrics: tuple[str, ...] = ("accuracy", "loss")
    """Metrics to plot and tabulate: ``accuracy``, ``loss``."""
    x_axes: tuple[str, ...] = ("epochs", "updates", "examples", "seconds")
    """Axes on which speed is compared: ``epochs``, ``updates``, ``examples``, ``seconds``."""

    def __post_init__(self) -> None:
        if self.target_accuracy is not None:
            target = c.number(self.target_accuracy, "analysis.target_accuracy")
            if not 0.0 < target <= 1.0:
                raise c.fail("analysis.target_accuracy", target, "must be in (0, 1]")
            _set(self, "target_accuracy", target)
        for name, valid in (("metrics", METRIC_KINDS), ("x_axes", tuple(X_AXES))):
            path = f"analysis.{name}"
            values = _axis(
                getattr(self, name), path, lambda v, p, ok=valid: c.choice(v, p, ok), "value"
            )
            _set(self, name, values)


@dataclass(frozen=True, kw_only=True)
class Diagnostics(_Section):
    """Gradient statistics recorded during training (seed 004), on a schedule of epochs."""

    SECTION: ClassVar[str] = "diagnostics"

    enabled: bool = False
    """Record the statistics at all."""
    epochs: tuple[int, ...] = (0,)
    """Epochs after which to measure (0 = at initialization), each <= the study's epochs."""
    batch_sizes: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128)
    """Batch sizes at which mini-batch gradient norms are sampled (<= the training set)."""
    n_batches: int = 100
    """Mini-batches drawn per batch size for the mean and spread of the gradient norm."""
    sample_size: int | None = None
    """Examples used to estimate tr(Sigma), the per-example gradient covariance trace
    (``None`` = the whole training set)."""

    def __post_init__(self) -> None:
        _set(self, "enabled", c.boolean(self.enabled, "diagnostics.enabled"))
        _set(
            self,
            "epochs",
            _axis(
                self.epochs, "diagnostics.epochs", lambda v, p: c.integer(v, p, minimum=0), "epoch"
            ),
        )
        _set(
            self,
            "batch_sizes",
            _axis(
                self.batch_sizes,
                "diagnostics.batch_sizes",
                lambda v, p: c.integer(v, p, minimum=1),
                "batch size",
            ),
        )
        _set(self, "n_batches", c.integer(self.n_batches, "diagnostics.n_batches", minimum=1))
        if self.sample_size is not None:
            _set(
                self,
                "sample_size",
                c.integer(self.sample_size, "diagnostics.sample_size", minimum=1),
            )


_SECTIONS: dict[str, type] = {
    "optimizer": Optimizer,
    "sweep": Sweep,
    "lr_rule": LRRule,
    "analysis": Analysis,
    "diagnostics": Diagnostics,
}
_REQUIRED = ("name", "dataset", "epochs", "sweep")


def _model(value: Any) -> dict[str, Any]:
    model = c.plain(c.table(value, "model"), "model")
    if "kind" not in model:
        raise SpecError(f"model has no 'kind': expected one of {', '.join(map(repr, MODEL_KINDS))}")
    kind = c.choice(model["kind"], "model.kind", MODEL_KINDS)
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
    return model


def _dataset(value: Any) -> str:
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
    dataset: str
    """A builtin dataset (blobs, logic, moons, digits, mnist1d) or a .csv / .npz file path."""
    dataset_options: dict[str, Any] = field(default_factory=dict)
    """Options for the dataset loader, e.g. ``{"label": "y"}`` for a CSV file."""
    model: dict[str, Any] = field(default_factory=lambda: {"kind": "mlp"})
    """The model: ``{"kind": "mlp", "hidden": [50], "activation": "relu", "init": "he_uniform",
    "output": "softmax"}``, ``{"kind": "cnn1d"}``, or ``{"kind": "import", "path":
    "pkg.mod:fn"}``. Keys besides ``kind`` (and ``path``) go to the model builder."""
    optimizer: Optimizer = field(default_factory=Optimizer)
    """The optimizer (SGD, SGD with Nesterov momentum, or Adam)."""
    epochs: int
    """Training epochs of every trial."""
    loss: str = "auto"
    """``"auto"`` (crossentropy for single-label classes, binary crossentropy for multi-label
    targets), ``"crossentropy"``, ``"binary_crossentropy"`` or ``"mse"``."""
    sweep: Sweep
    """The trials: batch sizes x learning rates (or explicit points) x momentum x seeds."""
    lr_rule: LRRule = field(default_factory=LRRule)
    """Batch-size scaling of the learning rate, and warmup."""
    analysis: Analysis = field(default_factory=Analysis)
    """Target accuracy, metrics and x-axes of the analysis."""
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    """Gradient statistics recorded during training."""

    def __post_init__(self) -> None:
        name = c.string(self.name, "name")
        if not _NAME.fullmatch(name):
            raise c.fail("name", name, "use letters, digits, '.', '_' and '-' (not first)")
        _set(self, "description", c.string(self.description, "description"))
        _set(self, "dataset", _dataset(self.dataset))
        options = c.plain(c.table(self.dataset_options, "dataset_options"), "dataset_options")
        _set(self, "dataset_options", options)
        _set(self, "model", _model(self.model))
        _set(self, "epochs", c.integer(self.epochs, "epochs", minimum=1))
        _set(self, "loss", c.choice(self.loss, "loss", LOSSES))
        for section, cls in _SECTIONS.items():
            _set(self, section, _section(cls, getattr(self, section), section))
        for i, epoch in enumerate(self.diagnostics.epochs):
            if epoch > self.epochs:
                raise c.fail(
                    f"diagnostics.epochs[{i}]", epoch, f"beyond the study's {self.epochs} epochs"
                )

    def __hash__(self) -> int:  # the dict fields are not hashable; the canonical form is
        return hash(self.spec_hash)

    # ---- derived values -------------------------------------------------------------

    @property
    def momenta(self) -> tuple[float, ...]:
        """The momentum axis, resolved: the sweep's, or 0 for SGD / beta_1 for Adam."""
        if self.sweep.momentum is not None:
            return self.sweep.momentum
        return (self.optimizer.beta_1,) if self.optimizer.name == "adam" else (0.0,)

    @property
    def n_trials(self) -> int:
        """Number of trials: combinations x momenta x seeds."""
        return len(self.sweep.pairs) * len(self.momenta) * len(self.sweep.seed_values)

    @property
    def spec_hash(self) -> str:
        """A stable hash (16 hex digits) of the canonical JSON of :meth:`to_dict`."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
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
            if isinstance(value, _Section):
                value = value.to_dict()
            elif isinstance(value, dict):
                value = c.plain(value, f.name)
            out[f.name] = value
        return out

    def to_toml(self) -> str:
        """The study as TOML text that :func:`batchlab.study.load_study` reads back equal."""
        from batchlab.study._toml import dumps

        return dumps(self.to_dict())

    def replace(self, **changes: Any) -> Study:
        """A copy with some fields changed, validated again.

        Keys are top-level fields (``epochs=10``), fields of a section named on their own
        when unambiguous (``seeds=3``, ``learning_rate=[0.1]``, ``target_accuracy=0.9``) or
        dotted (``**{"diagnostics.epochs": [0, 5]}``). ``None`` resets a field to its
        default. Sections may be given as dataclasses or dicts.

        Shortening ``epochs`` (``--epochs 2`` on a builtin) drops the diagnostics epochs
        beyond the new end, keeping the last epoch in their place, unless the diagnostics
        epochs are changed in the same call.
        """
        data = self.to_dict()
        if "epochs" in changes and not {"diagnostics", "diagnostics.epochs"} & set(changes):
            epochs = changes["epochs"]
            measured = data["diagnostics"]["epochs"]
            if isinstance(epochs, int) and epochs >= 1 and max(measured) > epochs:
                kept = [e for e in measured if e <= epochs]
                data["diagnostics"]["epochs"] = kept if epochs in kept else [*kept, epochs]
        for key, value in changes.items():
            section, name = _locate(key)
            if isinstance(value, _Section):
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
