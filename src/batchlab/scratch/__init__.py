"""batchlab.scratch: a multilayer perceptron and gradient descent in plain NumPy (seed 002).

The readable reference network, and the oracle batchlab's JAX engine is tested against. Read
``_network.py`` top to bottom: activations, losses, forward pass, backpropagation, SGD with
momentum and the three flavors of gradient descent. ``_logic.py`` is seed 002's problem: five
logic functions learned by one network.

Example:
    >>> from batchlab.scratch import MLP, train
    >>> from batchlab.scratch import LOGIC_X, LOGIC_Y
    >>> net = MLP([2, 8, 5], hidden="sigmoid", output="sigmoid", loss="mse", seed=0)
    >>> history = train(net, LOGIC_X, LOGIC_Y, batch_size=1, epochs=500, lr=1.0, momentum=0.9,
    ...                 shuffle_seed=0)
    >>> bool((net.predict(LOGIC_X).round() == LOGIC_Y).all())
    True
"""

from batchlab.scratch._logic import FUNCTIONS as LOGIC_FUNCTIONS
from batchlab.scratch._logic import (
    LogicResult,
    draw_logic_errors,
    format_errors,
    format_truth_table,
    logic_command,
    plot_logic_errors,
    run_logic,
)
from batchlab.scratch._logic import X as LOGIC_X
from batchlab.scratch._logic import Y as LOGIC_Y
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
    "LOGIC_FUNCTIONS",
    "LOGIC_X",
    "LOGIC_Y",
    "LOSS_OUTPUTS",
    "MLP",
    "OUTPUT_ACTIVATIONS",
    "History",
    "LogicResult",
    "SGDState",
    "batch_slices",
    "draw_logic_errors",
    "flavor_batch_size",
    "format_errors",
    "format_truth_table",
    "glorot_uniform",
    "logic_command",
    "plot_logic_errors",
    "run_logic",
    "sgd_init",
    "sgd_update",
    "train",
]
