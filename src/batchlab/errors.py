"""Errors that batchlab raises for bad input.

Every error a user can cause derives from :class:`BatchlabError`. Its message names the
field (or file, column, row), the value that was given, and what would be valid. The CLI
turns a ``BatchlabError`` into exit code 2 and a one-paragraph message without a traceback;
anything else is an internal error (exit code 1).
"""

from __future__ import annotations


class BatchlabError(Exception):
    """Bad input from the user: the message says what, where, and what is valid."""


class DataError(BatchlabError, ValueError):
    """A dataset that cannot be used: missing file, bad cells, wrong shapes, bad labels."""


class SpecError(BatchlabError, ValueError):
    """A study spec or a training argument that is not valid."""


class ModelError(BatchlabError, ValueError):
    """A model that cannot be loaded, built or trained."""


class StoreError(BatchlabError):
    """A store that cannot be opened or does not hold what was asked for."""


class BackendError(BatchlabError, RuntimeError):
    """Keras was imported with a backend other than JAX before batchlab."""


class OutputError(BatchlabError, OSError):
    """A file or folder that cannot be written (a missing or read-only folder, a full disk):
    the message names the path and the system's reason."""
