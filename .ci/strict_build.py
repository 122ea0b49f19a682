"""Build batchlab with setuptools' deprecation warnings raised as errors.

`make` runs this in its install step under CI=true, so that a packaging deprecation fails CI the
day setuptools starts to warn, not the day it stops building. It upgrades this environment to
the newest build-system.requires of pyproject.toml (what pip's isolated build gets), then calls
the PEP 517 backend in a fresh interpreter for the sdist, the wheel and the editable wheel, with
``SetuptoolsDeprecationWarning`` (and its subclasses) turned into errors by class.

Why not watch pip: pip 26 passes the build backend's warnings on as ``BuildBackendWarning``, the
class lost, and pip 23 shows them only under -v; no pip option makes them errors. And
``PYTHONWARNINGS=error::setuptools.warnings.SetuptoolsDeprecationWarning`` cannot work, as Python
parses -W options before site-packages is on sys.path ("Invalid -W option ignored: invalid module
name").

Usage: python .ci/strict_build.py     (exit 0: no deprecation; 1: one, printed; 2: build failed)
"""

import importlib
import os
import subprocess
import sys
import tempfile
import tomllib
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ("build_sdist", "build_wheel", "build_editable")
DEPRECATED = 3  # the build subprocess's exit status for a deprecation (1 is any traceback)


def _build(backend_name: str, out: str) -> int:
    """Run the backend's hooks in this process; DEPRECATED at the first setuptools deprecation."""
    from setuptools.warnings import SetuptoolsDeprecationWarning

    os.chdir(ROOT)
    backend = importlib.import_module(backend_name)
    for hook in HOOKS:
        with warnings.catch_warnings():
            warnings.simplefilter("always")  # every other warning shows in the log
            warnings.simplefilter("error", SetuptoolsDeprecationWarning)
            try:
                built = getattr(backend, hook)(out)
            except SetuptoolsDeprecationWarning as w:
                print(f"\n{hook}: {type(w).__name__}: {w}", file=sys.stderr)
                return DEPRECATED
        print(f"{hook}: {built}", file=sys.stderr)
    return 0


def main() -> int:
    build_system = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]
    if len(sys.argv) == 3 and sys.argv[1] == "--build":
        return _build(build_system["build-backend"], sys.argv[2])
    pip = [sys.executable, "-m", "pip", "install", "-q", "--upgrade", *build_system["requires"]]
    subprocess.run(pip, check=True)
    with tempfile.TemporaryDirectory() as out:
        # A fresh interpreter: the backend just installed, not one imported before the upgrade.
        proc = subprocess.run(
            [sys.executable, __file__, "--build", out],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    if proc.returncode == 0:
        done = [line for line in proc.stdout.splitlines() if line.startswith(HOOKS)]
        print("strict build, no packaging deprecation:", "; ".join(done))
        return 0
    print(proc.stdout, file=sys.stderr)
    if proc.returncode == DEPRECATED:
        what, status = "a packaging deprecation, an error under CI", 1
    else:
        what, status = f"the build failed (exit status {proc.returncode})", 2
    print(f"strict build: {what}; see above", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
