"""Packaging (issue 17): the wheel installs and runs on its own; the metadata says what is tested.

The wheel tests build batchlab's wheel with pip from a copy of the project (pyproject.toml,
README.md, LICENSE, src/: an in-tree build could pack stale files left in build/ by an older
build), install it with ``pip install --no-deps`` into a fresh virtual environment in a temporary
directory outside the repository, and run the ``batchlab`` console script there from a temporary
working directory: ``batchlab studies``, a one-epoch builtin study into a temporary store and
``batchlab report`` on it.

How the new environment gets the dependencies without reinstalling them (minutes of downloads):
a ``.pth`` file in its site-packages names the directories they are installed in, here. A path
line of a .pth file is appended to sys.path, but that directory is not processed as a site
directory, so the .pth files in it are not executed -- among them the editable install's
``__editable__.batchlab-*.pth``, which would put a source tree on the path. The .pth is written
after the wheel is installed, so pip installs into an environment in which no batchlab is
visible. The copy is built with a local version label (``+wheeltest``), so that the wheel's
version is told apart from the editable install's, whose dist-info that path makes visible.

"Nothing read from the source tree" is checked twice: every ``batchlab`` module and its package
data resolve inside the new environment, and an audit hook (``sys.addaudithook``, installed in
every process of the environment by an import line in a .pth file) records every file opened or
directory listed under the repository or the tree the tests import batchlab from; the commands
must leave its log empty. The dependencies' directories are allowed (CI's live in ``.venv/``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import batchlab
from batchlab import _version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LABEL = "wheeltest"
STUDY = "seed003-flavors"
TIMEOUT = 600  # seconds, per subprocess; the whole module takes about a minute on 2 cores

# The audit hook: records what a process of the new environment opens or lists under the
# forbidden roots (and not under an allowed one) in the log file; a no-op without the variables.
AUDIT = r"""
import os, sys

_LOG = os.environ.get("BATCHLAB_TEST_AUDIT_LOG")
_FORBIDDEN = [p for p in os.environ.get("BATCHLAB_TEST_FORBIDDEN", "").split(os.pathsep) if p]
_ALLOWED = [p for p in os.environ.get("BATCHLAB_TEST_ALLOWED", "").split(os.pathsep) if p]
_EVENTS = {"open", "os.listdir", "os.scandir"}
_busy = False


def _under(path, roots):
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _hook(event, args):
    global _busy
    if _busy or event not in _EVENTS or not args or isinstance(args[0], int):
        return
    try:
        path = os.path.abspath(os.fsdecode(args[0] if args[0] is not None else "."))
    except TypeError:
        return
    if _under(path, _FORBIDDEN) and not _under(path, _ALLOWED):
        _busy = True
        try:
            with open(_LOG, "a", encoding="utf-8") as log:
                log.write(f"{event} {path} ({' '.join(sys.argv)})\n")
        finally:
            _busy = False


if _LOG and _FORBIDDEN:
    sys.addaudithook(_hook)
"""

# Run by the new environment's interpreter: where batchlab, its metadata and its data come from.
PROBE = r"""
import json, sys
from importlib import metadata, resources

import batchlab, batchlab.cli, batchlab.reporting.render

dist = metadata.distribution("batchlab")
print(json.dumps({
    "file": batchlab.__file__,
    "version": batchlab.__version__,
    "dist_version": dist.version,
    "dist_at": str(dist.locate_file("")),
    "modules": sorted(
        m.__file__ for n, m in list(sys.modules.items())
        if n.split(".")[0] == "batchlab" and getattr(m, "__file__", None)
    ),
    "studies": str(resources.files("batchlab") / "studies"),
    "templates": str(resources.files("batchlab.reporting") / "templates"),
    "path": sys.path,
}))
"""


# What could put another tree on the path or change which Python runs; the rest of the
# environment (PYTHONDONTWRITEBYTECODE, for one: no .pyc written into CI's venv) is kept.
_DROP = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "PYTHONEXECUTABLE",
    "PYTHONPLATLIBDIR",
    "PYTHONSAFEPATH",
    "KERAS_BACKEND",
    "VIRTUAL_ENV",
    "__PYVENV_LAUNCHER__",
)


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without PYTHONPATH and the like, KERAS_BACKEND and
    VIRTUAL_ENV; no user site; Matplotlib headless."""
    env = {k: v for k, v in os.environ.items() if k not in _DROP}
    env.update(PYTHONNOUSERSITE="1", MPLBACKEND="agg", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update(extra)
    return env


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", _clean_env())
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, **kwargs)
    assert proc.returncode == 0, (
        f"{' '.join(map(str, cmd))} -> exit {proc.returncode}\n"
        f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    )
    return proc


def _under(path: str | Path, root: Path) -> bool:
    return Path(path).resolve().is_relative_to(root.resolve())


def _build_requirements_installed() -> bool:
    """Whether this environment has pyproject's build-system.requires, to build without
    isolation (offline, seconds faster); else pip fetches them into an isolated build env."""
    for req in map(Requirement, PYPROJECT["build-system"]["requires"]):
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            return False
        if not req.specifier.contains(installed, prereleases=True):
            return False
    return True


def _dependency_dirs() -> list[str]:
    """The directories the installed dependencies live in (a site-packages, here)."""
    names = [Requirement(r).name for r in PYPROJECT["project"]["dependencies"]]
    return sorted({str(metadata.distribution(n).locate_file("").resolve()) for n in names})


def _source_trees() -> list[str]:
    """Where batchlab's source could be read from: the repository, the tree this test process
    imports batchlab from, and the targets of editable installs next to the dependencies."""
    trees = {ROOT, Path(batchlab.__file__).resolve().parents[1]}
    for d in _dependency_dirs():
        for pth in Path(d).glob("__editable__*batchlab*.pth"):
            for line in pth.read_text(encoding="utf-8").splitlines():
                if line.strip() and not line.startswith(("import ", "#")):
                    trees.add(Path(line.strip()))
    return sorted({str(p) for t in trees for p in (t, t.resolve())})


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """batchlab's wheel, built with pip from a copy of the project, version labelled +wheeltest."""
    project = tmp_path_factory.mktemp("project")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(
        ROOT / "src",
        project / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
    )
    pyproject = project / "pyproject.toml"
    text, n = re.subn(
        r'(?m)^version = "([^"]+)"$', rf'version = "\1+{LABEL}"', pyproject.read_text()
    )
    assert n == 1, "pyproject.toml: expected one static `version = ...` line"
    pyproject.write_text(text)

    dist = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist)]
    if _build_requirements_installed():
        cmd += ["--no-build-isolation", "--no-index"]
    _run([*cmd, str(project)])
    (whl,) = dist.glob("batchlab-*.whl")
    return whl


def _wheel_version(whl: Path) -> str:
    return whl.name.split("-")[1]


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment outside the repository with the wheel installed (no deps)
    and this environment's dependency directories on its path."""
    venv = tmp_path_factory.mktemp("venv")
    assert not _under(venv, ROOT), f"{venv} is inside the repository"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    _run([*pip, "install", "--no-deps", "--no-index", "-q", str(wheel)])
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(_run([str(python), "-c", purelib]).stdout.strip())
    assert _under(site, venv)
    (site / "_batchlab_test_deps.pth").write_text("\n".join(_dependency_dirs()) + "\n")
    (site / "_batchlab_test_audit.py").write_text(AUDIT)
    (site / "_batchlab_test_audit.pth").write_text("import _batchlab_test_audit\n")
    return venv


@pytest.fixture(scope="module")
def workdir(venv, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("work")
    assert not _under(work, ROOT)
    return work


def _in_venv(venv: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """``ARGS`` run in the new environment (``batchlab`` = its console script), cwd ``workdir``,
    the audit hook on; fails if it exits non-zero or read anything from a source tree."""
    log = workdir / f"audit-{len(list(workdir.glob('audit-*')))}.log"
    env = _clean_env(
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        BATCHLAB_TEST_AUDIT_LOG=str(log),
        BATCHLAB_TEST_FORBIDDEN=os.pathsep.join(_source_trees()),
        BATCHLAB_TEST_ALLOWED=os.pathsep.join(_dependency_dirs()),
    )
    exe = venv / "bin" / args[0]
    proc = _run([str(exe), *args[1:]], cwd=workdir, env=env)
    read = log.read_text(encoding="utf-8") if log.exists() else ""
    assert not read, f"{' '.join(args)} read from a source tree:\n{read[:4000]}"
    return proc


def test_wheel_contents(wheel):
    """The package data is in the wheel; the license is SPDX; nothing but batchlab is packed."""
    names = zipfile.ZipFile(wheel).namelist()
    assert "batchlab/studies/seed003-grid.toml" in names
    assert "batchlab/reporting/templates/report.html" in names
    src = ROOT / "src"
    for data in [*src.glob("batchlab/studies/*.toml"), *src.glob("batchlab/reporting/templates/*")]:
        assert data.relative_to(src).as_posix() in names
    assert {n.split("/")[0] for n in names} == {
        "batchlab",
        f"batchlab-{_wheel_version(wheel)}.dist-info",
    }
    info = f"batchlab-{_wheel_version(wheel)}.dist-info"
    assert f"{info}/licenses/LICENSE" in names
    meta = zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode()
    assert "License-Expression: MIT" in meta.splitlines()
    assert not any(line.startswith("License:") for line in meta.splitlines())
    assert _wheel_version(wheel) == f"{PYPROJECT['project']['version']}+{LABEL}"


def test_wheel_installed_outside_the_tree(venv, workdir, wheel):
    """batchlab, its metadata, studies and templates all come from the new environment."""
    out = _in_venv(venv, workdir, "python", "-c", PROBE).stdout
    probe = json.loads(out.strip().splitlines()[-1])
    for key in ("file", "dist_at", "studies", "templates"):
        assert _under(probe[key], venv), f"{key}: {probe[key]} is not in {venv}"
    assert probe["modules"] and all(_under(m, venv) for m in probe["modules"]), probe["modules"]
    # sys.path: no source tree, save the dependencies' directories (CI's are in .venv/).
    trees = [Path(t) for t in _source_trees()]
    deps = [Path(d) for d in _dependency_dirs()]
    sources = [p for p in probe["path"] if p and any(_under(p, t) for t in trees)]
    assert all(any(_under(p, d) for d in deps) for p in sources), probe["path"]
    assert probe["version"] == probe["dist_version"] == _wheel_version(wheel)


def test_wheel_runs_a_study(venv, workdir):
    """``batchlab studies``, a one-epoch builtin study and ``batchlab report``, from the wheel."""
    studies = _in_venv(venv, workdir, "batchlab", "studies").stdout
    builtins = sorted(p.stem for p in (ROOT / "src/batchlab/studies").glob("*.toml"))
    assert builtins and all(name in studies for name in builtins), studies

    store = workdir / "tmp.db"
    run = ["run", STUDY, "--epochs", "1", "--seeds", "1", "--store", store.name, "-q"]
    _in_venv(venv, workdir, "batchlab", *run, "--no-report")
    assert store.is_file()

    _in_venv(venv, workdir, "batchlab", "report", STUDY, "--store", store.name, "-o", "r.html")
    html = (workdir / "r.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and "</html>" in html.lower()
    assert STUDY in html


def test_cli_version(venv, workdir, wheel):
    """``batchlab --version`` prints the installed distribution's version and exits 0."""
    out = _in_venv(venv, workdir, "batchlab", "--version").stdout
    assert _wheel_version(wheel) in out, out


def test_version_from_the_package_metadata():
    assert batchlab.__version__ == _version.version() == metadata.version("batchlab")
    Version(batchlab.__version__)  # PEP 440


def test_version_without_metadata(monkeypatch):
    """No package metadata (a source tree put on sys.path by hand): a clear PEP 440 fallback."""

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)  # _version imports it when called
    assert _version.version() == _version.UNKNOWN == "0+unknown"
    assert Version(_version.UNKNOWN) < Version("0.0.1")


def test_readme_says_what_is_tested():
    """README's "Tested with" names every dependency (and Ray) at a version inside its bounds,
    and a Python inside requires-python."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"Tested with (.+?)\.\s*(?:\n\n|The upper)", readme, re.S)
    assert match, "README.md: no 'Tested with ...' line"
    tested = {
        name.lower(): version
        for name, version in re.findall(r"([A-Za-z][\w-]*) (\d[\w.+]*\w)", match.group(1))
    }
    project = PYPROJECT["project"]
    assert SpecifierSet(project["requires-python"]).contains(tested.pop("python"))
    reqs = [
        Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["ray"]]
    ]
    for req in reqs:
        assert req.name in tested, f"README.md does not say which {req.name} was tested"
        assert req.specifier.contains(tested[req.name], prereleases=True), (req, tested[req.name])
        assert any(s.operator == "<" for s in req.specifier), f"{req} has no upper bound"
