"""Writing files atomically, with the permissions a shared file should have."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from batchlab.errors import OutputError, SpecError

FILE_MODE = 0o644
"""Reports, figures and exports are meant to be read by others (mkstemp makes 0600)."""


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[IO[bytes]], object] | bytes | str
) -> Path:
    """Write ``path`` through a temporary file in its folder, then ``os.replace`` it.

    ``write`` is the content (bytes or text, UTF-8) or a function that writes to a binary
    file object. A failure leaves any earlier file at ``path`` as it was and no temporary file
    behind. The folder is created when missing. Returns the path.

    Raises:
        OutputError: the folder cannot be made or written, or the disk is full (naming
            ``path`` and the reason).
    """
    path = Path(path)
    make_folder(path.parent, path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise _cannot(path, e) from e
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
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise _cannot(path, e) from e
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def make_folder(folder: str | os.PathLike[str], for_path: str | os.PathLike[str] | None = None):
    """Create ``folder`` (and its parents) when missing; an OutputError naming ``for_path``
    (default the folder) when it cannot be made."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as e:  # a file where a folder is needed
        blocker = _nearest_existing(folder)
        raise OutputError(
            f"cannot write {str(for_path or folder)!r}: {str(blocker)!r} is a file, not a folder"
        ) from e
    except OSError as e:
        raise _cannot(Path(for_path or folder), e) from e
    return folder


def check_writable(path: str | os.PathLike[str], what: str) -> Path:
    """Raise an OutputError naming ``what`` (an option, e.g. ``--report``) and ``path`` when
    ``path`` is a folder, or when its folder is missing and cannot be made (a file on the way)
    or is not writable. Creates nothing: for checking an output before long work."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{what} = {str(path)!r} is a folder; give the path of a file")
    folder = _nearest_existing(path.parent)
    if not folder.is_dir():
        raise OutputError(f"{what} = {str(path)!r}: {str(folder)!r} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{what} = {str(path)!r}: the folder {str(folder)!r} is not writable")
    return path


def _nearest_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (what a missing folder would be made in)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


REPORT_SUFFIXES = (".html", ".htm")
"""What a report's file name may end in."""


def check_output(path: str | os.PathLike[str], what: str, suffixes: tuple[str, ...]) -> Path:
    """``path`` as a Path, after checking its suffix is one of ``suffixes`` (a SpecError
    naming ``what``) and that it can be written (:func:`check_writable`)."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise SpecError(
            f"{what} = {str(path)!r}: the file name must end in {', '.join(suffixes[:-1])}"
            f"{' or ' if len(suffixes) > 1 else ''}{suffixes[-1]}"
        )
    return check_writable(path, what)


def _cannot(path: Path, error: OSError) -> OutputError:
    reason = error.strerror or str(error)
    return OutputError(
        f"cannot write {str(path)!r} (in the folder {str(path.parent)!r}): {reason}; choose "
        "another path"
    )
