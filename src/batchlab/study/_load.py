"""Loading studies: from a TOML file, a builtin name, a dict or a :class:`Study`."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

from batchlab.errors import SpecError
from batchlab.study import _check as c
from batchlab.study._study import BUILTIN_DATASETS, Study

_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _builtin_dir() -> Any:
    return resources.files("batchlab") / "studies"


def _builtin_files() -> dict[str, Any]:
    return {
        entry.name[: -len(".toml")]: entry
        for entry in sorted(_builtin_dir().iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    }


def builtin_studies() -> dict[str, str]:
    """The builtin studies (one per experiment of the seeds): ``{name: description}``."""
    out = {}
    for name, entry in _builtin_files().items():
        data = _parse(entry.read_text(encoding="utf-8"), f"builtin study {name!r}")
        out[name] = data.get("description", "")
    return out


def builtin_toml(name: str) -> str:
    """The TOML text of a builtin study, to copy and change.

    Example:
        >>> parse_toml(builtin_toml("seed003-grid")) == load_study("seed003-grid")
        True
    """
    files = _builtin_files()
    if name not in files:
        raise SpecError(
            f"no builtin study {name!r}{c.suggest(name, files)} (builtins: {', '.join(files)})"
        )
    return files[name].read_text(encoding="utf-8")


def parse_toml(text: str, source: str = "<string>") -> Study:
    """A study from TOML text; ``source`` names it in error messages."""
    return _from_data(_parse(text, source), source, default_name=None)


def load_study(source: Study | Mapping[str, Any] | str | PathLike[str]) -> Study:
    """A study from a TOML file path, a builtin name, a dict or a :class:`Study` (as is).

    A file's ``name`` defaults to the file's stem. A relative ``dataset`` path in a file is
    taken relative to the file's folder when it exists there.

    Example::

        >>> load_study("seed003-grid").sweep.batch_size
        (4, 8, 16, 32, 64, 128, 256, 450)
    """
    if isinstance(source, Study):
        return source
    if isinstance(source, Mapping):
        return Study.from_dict(source)
    if not isinstance(source, str | PathLike):
        raise c.fail("study", source, "expected a TOML file path, a builtin name or a Study")
    path = Path(source)
    builtins = _builtin_files()
    if isinstance(source, str) and source in builtins and not path.is_file():
        entry = builtins[source]
        text = entry.read_text(encoding="utf-8")
        return _from_data(_parse(text, f"builtin study {source!r}"), source, default_name=source)
    if path.is_file() or path.suffix == ".toml" or isinstance(source, PathLike):
        return _load_file(path)
    raise SpecError(
        f"no study {str(source)!r}: not a file, and not a builtin study"
        f"{c.suggest(str(source), builtins)} (builtins: {', '.join(builtins)})"
    )


def _load_file(path: Path) -> Study:
    if not path.is_file():
        raise SpecError(f"study file {str(path)!r} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read study file {str(path)!r}: {exc}") from None
    data = _parse(text, str(path))
    dataset = data.get("dataset")
    if isinstance(dataset, str) and dataset not in BUILTIN_DATASETS:
        candidate = path.parent / dataset
        if not Path(dataset).is_absolute() and candidate.exists():
            data = {**data, "dataset": str(candidate.resolve())}
    options = data.get("dataset_options")
    given = options.get("path") if isinstance(options, dict) else None
    if isinstance(given, str) and given and not Path(given).expanduser().is_absolute():
        candidate = path.parent / given  # dataset_options.path, beside the study file
        if candidate.exists():
            data = {**data, "dataset_options": {**options, "path": str(candidate.resolve())}}
    return _from_data(data, str(path), default_name=path.stem)


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _POSITION.search(message)
        if match:
            where = f"line {match.group(1)}, column {match.group(2)}"
            message = message[: match.start()]
        else:  # pragma: no cover - tomllib always gives the position
            where = "unknown position"
        raise SpecError(f"{source}: TOML syntax error at {where}: {message}") from None


def _from_data(data: dict[str, Any], source: str, default_name: str | None) -> Study:
    if default_name is not None and "name" not in data:
        data = {"name": default_name, **data}
    try:
        return Study.from_dict(data)
    except SpecError as exc:
        raise SpecError(f"{source}: {exc}") from None
