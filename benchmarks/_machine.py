"""What the benchmarks say about the machine they ran on (they are run as scripts from this
folder, so ``from _machine import cpu_name`` finds this file)."""

from __future__ import annotations

import math
import os
import platform
from pathlib import Path


def cpu_name() -> str:
    """The CPU's model name from /proc/cpuinfo (``AMD EPYC ...``), else what Python knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> float:
    """The one-minute load average (NaN where the system has none): how busy the machine was."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
