"""Named arrays <-> the bytes of an ``.npz`` file (the checkpoint format).

Written like ``np.savez`` (a zip of ``.npy`` members) but without its keyword clashes (a
key may be ``"file"``), and never with pickles: object arrays are refused on both sides.
Dtypes that ``.npy`` cannot name (``ml_dtypes``'s ``bfloat16``, ``float8_*``, as JAX uses
them) are recorded in one extra JSON member and restored on load.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping

import numpy as np

from batchlab.errors import StoreError

_DTYPES = "__batchlab_dtypes__.json"


def to_bytes(arrays: Mapping[str, object]) -> bytes:
    """The ``.npz`` bytes of ``arrays`` (values are converted with ``np.asarray``)."""
    buffer = io.BytesIO()
    extra: dict[str, str] = {}
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, value in arrays.items():
            if not isinstance(key, str) or not key or key == _DTYPES:
                raise StoreError(f"checkpoint key {key!r}: expected a non-empty string")
            array = np.asarray(value)
            if array.dtype.hasobject:
                raise StoreError(f"checkpoint array {key!r} has dtype object; use numeric arrays")
            if (
                array.dtype.kind == "V"
                and array.dtype.names is None
                and array.dtype.type is not np.void
            ):
                extra[key] = array.dtype.name  # e.g. bfloat16: .npy would say only "|V2"
            with archive.open(key + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
        if extra:
            archive.writestr(_DTYPES, json.dumps(extra))
    return buffer.getvalue()


def from_bytes(data: bytes) -> dict[str, np.ndarray]:
    """The arrays of ``.npz`` bytes, in the order they were written, dtypes restored."""
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        extra = {}
        if _DTYPES in npz.files:
            extra = json.loads(npz.zip.read(_DTYPES))
        arrays = {key: npz[key] for key in npz.files if key != _DTYPES}
    for key, name in extra.items():
        import ml_dtypes  # a JAX dependency; only needed for such dtypes

        arrays[key] = arrays[key].view(np.dtype(getattr(ml_dtypes, name)))
    return arrays
