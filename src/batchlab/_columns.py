"""The names of the tables' columns (docs/schema.md), defined once.

A leaf module that imports nothing, so the engine, the store, the analysis and the figures
agree without importing one another. Each table is a ``column -> dtype`` map in the schema's
order; the dtypes are pandas' (``"str"``, ``"int64"``, ``"float64"``, ``"bool"``, and the
nullable ``"Int64"``).
"""

EPOCH_METRICS = (
    "train_loss",
    "train_accuracy",
    "train_loss_end",
    "train_accuracy_end",
    "test_loss",
    "test_accuracy",
)
"""The six metrics measured after every epoch, in the engine's order: what Keras ``fit``
reports (the running mean over the epoch's batches), then exact passes over the training set
(``*_end``) and the test set."""

TRIALS: dict[str, str] = {
    "study": "str",
    "trial": "int64",
    "cohort": "str",
    "seed": "int64",
    "batch_size": "int64",
    "learning_rate": "float64",
    "momentum": "float64",
    "optimizer": "str",
    "warmup_epochs": "float64",
    "schedule": "str",
    "epochs": "int64",
    "status": "str",
}
"""trials: one row per trial."""

HISTORY_TRIAL_COLUMNS = (
    "study",
    "trial",
    "cohort",
    "seed",
    "batch_size",
    "learning_rate",
    "momentum",
)
"""The history columns that repeat the trial's settings (the store keeps them once, in trials)."""

HISTORY: dict[str, str] = {
    **{c: TRIALS[c] for c in HISTORY_TRIAL_COLUMNS},
    "epoch": "int64",
    "updates": "int64",
    "examples_seen": "int64",
    "epoch_batch_size": "int64",
    **dict.fromkeys(EPOCH_METRICS, "float64"),
    "wall_seconds": "float64",
    "diverged": "bool",
}
"""history: one row per (trial, epoch). ``batch_size`` is the trial's (its initial one under a
batch-size schedule); ``epoch_batch_size`` the batch size in force during that epoch."""

HISTORY_EPOCH_COLUMNS = tuple(c for c in HISTORY if c not in HISTORY_TRIAL_COLUMNS)
"""The history columns measured per epoch (what a chunk commits besides ``trial``)."""

DIAGNOSTICS: dict[str, str] = {
    "study": "str",
    "trial": "int64",
    "epoch": "int64",
    "quantity": "str",
    "batch_size": "Int64",
    "stat": "str",
    "value": "float64",
}
"""diagnostics: gradient statistics, long format (batch_size is nullable)."""

X_AXES: dict[str, str] = {
    "epochs": "epoch",
    "updates": "updates",
    "examples": "examples_seen",
    "seconds": "wall_seconds",
}
"""The axes learning is measured along, and the history column that holds each."""

METRIC_KINDS = ("accuracy", "loss")
"""What a study's analysis plots and tabulates (``analysis.metrics``)."""
