""" "Did you mean ...?": the closest valid name for a misspelt one, in one wording."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, options: Iterable[str]) -> str | None:
    """The option closest to ``word`` (a case-insensitive match first), or None."""
    options = [str(o) for o in options]
    for option in options:
        if option.lower() == word.lower():
            return option
    lowered = {o.lower(): o for o in options}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(word: object, options: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest option, or ``""`` when nothing is close.

    Example:
        >>> "no study 'grdi'" + did_you_mean("grdi", ["grid", "flavors"])
        "no study 'grdi'; did you mean 'grid'?"
    """
    if not isinstance(word, str):
        return ""
    match = closest(word, options)
    return f"; did you mean {match!r}?" if match else ""


def ranked(word: str, options: Iterable[str]) -> list[str]:
    """All ``options``, the closest to ``word`` first."""
    options = list(options)
    close = difflib.get_close_matches(word, options, n=len(options), cutoff=0.0)
    return close + [o for o in options if o not in close]
