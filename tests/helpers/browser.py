"""Find (or install) headless Chromium for tests that open an HTML file in a real browser.

``chromium_path()`` returns the executable. When it is missing and the tests run as root on a
machine with ``apt-get``, it installs the Debian package ``chromium`` once. When it still cannot
be found it raises ``RuntimeError`` with a clear message: a browser test must fail, never skip.

``run_chromium(url, *flags)`` runs it headless with the flags that keep it off the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

BASE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def _which() -> str | None:
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _install() -> str:
    """Try ``apt-get install chromium``; return a note on what happened."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "not running as root, so cannot apt-get install chromium"
    apt = shutil.which("apt-get")
    if apt is None:
        return "apt-get is not available"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        subprocess.run(
            [apt, "update", "-qq"], check=True, env=env, capture_output=True, timeout=600
        )
        subprocess.run(
            [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"],
            check=True,
            env=env,
            capture_output=True,
            timeout=1200,
        )
    except (subprocess.SubprocessError, OSError) as err:
        tail = getattr(err, "stderr", b"") or b""
        return f"apt-get install chromium failed: {err}; {tail.decode(errors='replace')[-500:]}"
    return "apt-get install chromium ran"


def chromium_path() -> str:
    """The Chromium executable, installing the Debian package when possible; else RuntimeError."""
    found = _which()
    if found:
        return found
    note = _install()
    found = _which()
    if found:
        return found
    raise RuntimeError(
        "headless Chromium is needed for the browser test and could not be found or installed "
        f"({note}). Install it with `apt-get install -y chromium` (Debian) and run again."
    )


def run_chromium(
    url: str, *flags: str, timeout: float = 60.0, executable: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on ``url`` with a throwaway profile; return the finished process."""
    exe = executable or chromium_path()
    with tempfile.TemporaryDirectory(prefix="batchlab-chromium-") as profile:
        cmd = [exe, *BASE_FLAGS, f"--user-data-dir={profile}", *flags, url]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def file_url(path: str | os.PathLike[str]) -> str:
    return Path(path).resolve().as_uri()
