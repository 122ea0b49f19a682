"""Suggest the closest valid name for a misspelt one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, options: Iterable[str]) -> str | None:
    """The option closest to ``word`` (a case-insensitive match first), or None."""
    options = list(options)
    for option in options:
        if option.lower() == word.lower():
            return option
    lowered = {o.lower(): o for o in options}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """``" Did you mean 'x'?"``, or ``""`` when nothing is close."""
    match = closest(word, options)
    return f" Did you mean {match!r}?" if match else ""
