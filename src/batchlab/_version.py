"""The version of batchlab: one source of truth, ``project.version`` in pyproject.toml.

The build writes it into the package metadata; this module reads it back from there, so
``batchlab.__version__`` and ``batchlab --version`` report what is installed.
"""

#: Returned when batchlab runs without its package metadata (a source tree put on the path
#: by hand, never installed): a PEP 440 version that sorts below every release.
UNKNOWN = "0+unknown"


def version() -> str:
    """The installed distribution's version, or :data:`UNKNOWN` when it has no metadata."""
    from importlib.metadata import PackageNotFoundError  # 0.03 s to import: only when asked
    from importlib.metadata import version as distribution_version

    try:
        return distribution_version("batchlab")
    except PackageNotFoundError:
        return UNKNOWN
