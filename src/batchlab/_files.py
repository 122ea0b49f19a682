"""Writing files atomically, with the permissions a shared file should have."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

FILE_MODE = 0o644
"""Reports, figures and exports are meant to be read by others (mkstemp makes 0600)."""


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[IO[bytes]], object] | bytes | str
) -> Path:
    """Write ``path`` through a temporary file in its folder, then ``os.replace`` it.

    ``write`` is the content (bytes or text, UTF-8) or a function that writes to a binary
    file object. A failure leaves any earlier file at ``path`` as it was and no temporary file
    behind. The folder is created when missing. Returns the path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(write, str):
                handle.write(write.encode("utf-8"))
            elif isinstance(write, bytes):
                handle.write(write)
            else:
                write(handle)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
