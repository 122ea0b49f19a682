"""Optional dependencies: import one, or say which extra installs it.

A leaf module. The trackers (MLflow, TensorBoard), the live page and the notebook pieces
need packages that batchlab does not install by default; :func:`need` imports one, and when
it is missing raises a :class:`~batchlab.errors.BatchlabError` (the CLI's exit code 2) that
gives the command that installs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from batchlab.errors import BatchlabError

EXTRAS: dict[str, tuple[str, ...]] = {
    "mlflow": ("mlflow", "sqlalchemy", "alembic"),
    "tensorboard": ("tensorboard",),
    "live": ("starlette", "uvicorn"),
    "notebook": ("ipywidgets",),
}
"""extra -> the modules it brings (``pip install 'batchlab[extra]'``)."""


class MissingExtra(BatchlabError, ImportError):
    """An optional dependency is not installed; the message gives the install command."""


def need(module: str, extra: str, what: str) -> ModuleType:
    """Import ``module``, which ``extra`` installs; ``what`` names the feature that needs it.

    Example:
        >>> need("json", "live", "a test").__name__
        'json'
        >>> need("no_such_module", "mlflow", "export --to mlflow")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        batchlab._extras.MissingExtra: export --to mlflow needs ... pip install 'batchlab[mlflow]'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = exc.name or module
        if missing.split(".")[0] != module.split(".")[0] and missing not in EXTRAS[extra]:
            raise  # the package is there but broken: not a missing extra
        raise MissingExtra(
            f"{what} needs the Python package {missing!r}, which is not installed; "
            f"install it with: pip install 'batchlab[{extra}]'"
        ) from None
