"""``python -m batchlab.cli``."""

from batchlab.cli import entry

entry()
