"""Named arrays <-> the bytes of an ``.npz`` file (the checkpoint format).

Written like ``np.savez`` (a zip of ``.npy`` members) but without its keyword clashes (a
key may be ``"file"``), and never with pickles: object arrays are refused on both sides.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

import numpy as np

from batchlab.errors import StoreError


def to_bytes(arrays: Mapping[str, object]) -> bytes:
    """The ``.npz`` bytes of ``arrays`` (values are converted with ``np.asarray``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, value in arrays.items():
            if not isinstance(key, str) or not key:
                raise StoreError(f"checkpoint key {key!r}: expected a non-empty string")
            array = np.asarray(value)
            if array.dtype.hasobject:
                raise StoreError(f"checkpoint array {key!r} has dtype object; use numeric arrays")
            with archive.open(key + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
    return buffer.getvalue()


def from_bytes(data: bytes) -> dict[str, np.ndarray]:
    """The arrays of ``.npz`` bytes, in the order they were written."""
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}
