"""The order in which a trial sees the training set each epoch: Keras ``fit``'s own draws."""

from __future__ import annotations

import numpy as np

from batchlab._seeds import check_seed

# Keras's first ``fit`` after ``compile`` draws one permutation to build its loss and metrics
# (``Trainer._symbolic_build`` takes a batch from a fresh iterator); epoch e uses draw e + 1.
_KERAS_BUILD_DRAWS = 1


def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The order in which a trial sees the ``n`` training examples in epoch ``epoch``.

    Exactly the permutation that Keras ``fit(shuffle=True)`` draws in that epoch (0-based) after
    ``keras.utils.set_random_seed(seed)`` and ``compile``: ``np.random.seed(seed)`` starts the
    stream, the first ``fit`` spends one ``np.random.permutation(n)`` building its loss and
    metrics, then draws one per epoch. So a trial follows the batches its Keras twin sees, and
    the order is a function of (seed, epoch) alone: a resumed run draws exactly what an
    uninterrupted one does. Batches are consecutive slices of it; the last may be smaller.
    ``(n,)`` int32. :class:`EpochOrders` draws the same stream without replaying it.

    Example:
        >>> epoch_order(0, 0, 5).tolist() == EpochOrders(5)(0, 0).tolist()
        True
    """
    return EpochOrders(n)(seed, epoch)


class EpochOrders:
    """:func:`epoch_order` for many seeds and consecutive epochs, one draw per (seed, epoch).

    Keeps each seed's generator where the last call left it; asking for an earlier epoch (a
    resumed cohort, a test) replays the stream from the seed.

    Example:
        >>> import numpy as np
        >>> orders = EpochOrders(5)
        >>> bool(np.array_equal(orders(3, 2), epoch_order(3, 2, 5)))
        True
    """

    def __init__(self, n: int):
        self.n = int(n)
        self._streams: dict[int, tuple[np.random.RandomState, int]] = {}  # seed -> (rng, next)

    def __call__(self, seed: int, epoch: int) -> np.ndarray:
        seed, epoch = check_seed(seed), int(epoch)
        rng, next_epoch = self._streams.get(seed, (None, epoch + 1))
        if rng is None or next_epoch > epoch:
            rng, next_epoch = np.random.RandomState(seed), -_KERAS_BUILD_DRAWS
        for _ in range(epoch - next_epoch):
            rng.permutation(self.n)
        self._streams[seed] = (rng, epoch + 1)
        return rng.permutation(self.n).astype(np.int32)
