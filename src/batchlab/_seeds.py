"""The range of a trial's seed, shared by the spec, the engine and ``bl.train``."""

MAX_SEED = 2**32 - 1
"""Seeds seed NumPy's legacy generator, as ``keras.utils.set_random_seed`` does: [0, 2**32)."""
