"""The range of a trial's seed, shared by the spec, the engine and ``bl.train``."""

import numpy as np

from batchlab.errors import SpecError

MAX_SEED = 2**32 - 1
"""Seeds seed NumPy's legacy generator, as ``keras.utils.set_random_seed`` does: [0, 2**32)."""


def check_seed(seed, name: str = "seed") -> int:
    """``seed`` as an int in [0, MAX_SEED]; else a SpecError naming ``name`` and the value."""
    if (
        isinstance(seed, bool)
        or not isinstance(seed, int | np.integer)
        or not 0 <= seed <= MAX_SEED
    ):
        raise SpecError(f"{name}: {seed!r} is not valid; seeds are integers in [0, 2**32 - 1].")
    return int(seed)
