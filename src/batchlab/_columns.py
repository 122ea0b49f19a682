"""Column names shared by the layers (docs/schema.md): a leaf module that imports nothing, so
the engine, the store and the analysis can agree without importing one another."""

METRICS = (
    "train_loss",
    "train_accuracy",
    "train_loss_end",
    "train_accuracy_end",
    "test_loss",
    "test_accuracy",
)
"""The per-epoch metrics of the history table, in the engine's order."""
