"""A small TOML writer for study specs (the standard library only reads TOML).

It writes what :meth:`Study.to_dict` produces: top-level scalars first, then one ``[table]``
per top-level dict, ``[[table.key]]`` for a list of dicts inside a table, and inline tables
for anything nested deeper. Floats are written with ``repr`` so they read back exactly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def dumps(data: Mapping[str, Any]) -> str:
    """TOML text for ``data`` (str/int/float/bool, lists, dicts; no None, NaN or inf)."""
    lines: list[str] = []
    tables = []
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            tables.append((key, value))
        else:  # scalars, arrays, and empty tables (inline, so that they read back)
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in tables:
        arrays = [(k, v) for k, v in value.items() if _is_table_array(v)]
        lines.append("")
        lines.append(f"[{_key(key)}]")
        for k, v in value.items():
            if not _is_table_array(v):
                lines.append(f"{_key(k)} = {_value(v)}")
        for k, items in arrays:
            for item in items:
                lines.append("")
                lines.append(f"[[{_key(key)}.{_key(k)}]]")
                lines.extend(f"{_key(ik)} = {_value(iv)}" for ik, iv in item.items())
    return "\n".join(lines) + "\n"


def _is_table_array(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) > 0
        and all(isinstance(v, Mapping) for v in value)
    )


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML cannot hold {value!r} here")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")
