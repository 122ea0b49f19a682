"""batchlab.scratch: a multilayer perceptron and gradient descent in plain NumPy (seed 002).

The readable reference network, and the oracle batchlab's JAX engine is tested against. Read
``_network.py`` top to bottom: activations, losses, forward pass, backpropagation, SGD with
momentum and the three flavors of gradient descent.

Example:
    >>> import numpy as np
    >>> from batchlab.scratch import MLP, train
    >>> LOGIC_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> LOGIC_Y = np.array([[0, 0, 0, 1, 1], [0, 1, 1, 1, 0], [0, 1, 1, 1, 0], [1, 1, 0, 0, 0]])
    >>> net = MLP([2, 8, 5], hidden="sigmoid", output="sigmoid", loss="mse", seed=0)
    >>> history = train(net, LOGIC_X, LOGIC_Y, batch_size=1, epochs=500, lr=1.0, momentum=0.9,
    ...                 shuffle_seed=0)
    >>> bool((net.predict(LOGIC_X).round() == LOGIC_Y).all())
    True
"""

from batchlab.scratch._network import (
    EPSILON,
    FLAVORS,
    HIDDEN_ACTIVATIONS,
    LOSS_OUTPUTS,
    MLP,
    OUTPUT_ACTIVATIONS,
    History,
    SGDState,
    batch_slices,
    flavor_batch_size,
    glorot_uniform,
    sgd_init,
    sgd_update,
    train,
)

__all__ = [
    "EPSILON",
    "FLAVORS",
    "HIDDEN_ACTIVATIONS",
    "LOSS_OUTPUTS",
    "MLP",
    "OUTPUT_ACTIVATIONS",
    "History",
    "SGDState",
    "batch_slices",
    "flavor_batch_size",
    "glorot_uniform",
    "sgd_init",
    "sgd_update",
    "train",
]
