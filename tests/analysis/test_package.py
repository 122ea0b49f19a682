"""``batchlab.analysis`` loads most of its names on first use (``batchlab show`` must not import
SciPy or the recommender): every public name still resolves to the object its module defines,
whatever order the submodules were imported in, and none becomes a module."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import importlib, pkgutil, sys, types
first = sys.argv[1]
if first == "submodules-first":
    import batchlab.analysis as pkg0
    for info in pkgutil.walk_packages(pkg0.__path__, "batchlab.analysis."):
        importlib.import_module(info.name)
import batchlab.analysis as pkg
assert "scipy" not in sys.modules or first == "submodules-first", "scipy imported up front"
bad = []
for name in pkg.__all__:
    value = getattr(pkg, name)
    if isinstance(value, types.ModuleType):
        bad.append(f"{name} is the module {value.__name__}")
    elif getattr(value, "__module__", "batchlab").split(".")[0] != "batchlab" and callable(value):
        bad.append(f"{name} comes from {value.__module__}")
assert sorted(set(dir(pkg)) & set(pkg.__all__)) == sorted(pkg.__all__)
print("\\n".join(bad) or "ok")
"""


@pytest.mark.parametrize("order", ["package-first", "submodules-first"])
def test_every_public_name_resolves_to_its_object(order):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, order], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_unknown_name_is_an_attribute_error():
    import batchlab.analysis as pkg

    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        pkg.nope  # noqa: B018
