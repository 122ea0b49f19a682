"""Seed 002's problem: one network learns five logic functions of two bits at once.

Inputs are the four rows of a truth table, ``X`` (4, 2); the targets ``Y`` (4, 5) hold AND, OR,
XOR, NAND and NOR of each row. The network is 2 -> hidden sigmoid units -> 5 sigmoid outputs,
trained on the mean squared error by each flavor of gradient descent from the same initial
weights. The mini-batch flavor uses batches of 2 (with only 4 examples, the usual 32 would be
the full batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from batchlab.errors import SpecError
from batchlab.scratch._network import FLAVORS, MLP, History, flavor_batch_size, train

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
"""The four input rows, (4, 2)."""

FUNCTIONS = ("AND", "OR", "XOR", "NAND", "NOR")

Y = np.array(
    # AND OR XOR NAND NOR
    [
        [0, 0, 0, 1, 1],  # 0 0
        [0, 1, 1, 1, 0],  # 0 1
        [0, 1, 1, 1, 0],  # 1 0
        [1, 1, 0, 0, 0],  # 1 1
    ],
    dtype=np.float64,
)
"""The five functions of each row, (4, 5)."""

MINIBATCH_SIZE = 2
"""The mini-batch flavor's batch size on this 4-example problem."""

# Defaults with which every flavor learns all five functions from seed 0 (see the tests).
EPOCHS = 500
HIDDEN = 8
LR = 1.0
MOMENTUM = 0.9

_PLOT_SUFFIXES = (".png", ".svg", ".pdf")


@dataclass(frozen=True)
class LogicResult:
    """One flavor's run on the logic problem."""

    flavor: str
    """``batch``, ``stochastic`` or ``minibatch``."""
    batch_size: int
    history: History
    predictions: np.ndarray
    """The trained network's outputs on ``X``, (4, 5)."""

    @property
    def learned(self) -> bool:
        """Every rounded output equals the truth table."""
        return bool(np.array_equal(np.round(self.predictions), Y))

    @property
    def learned_at(self) -> int | None:
        """The first epoch from which the rounded outputs equal the truth table through the
        last epoch; None when the table is not learned at the end."""
        acc = self.history.train_accuracy_end
        epoch = None
        for e, a in zip(reversed(self.history.epoch), reversed(acc), strict=True):
            if a < 1.0:
                break
            epoch = e
        return epoch

    @property
    def final_error(self) -> float:
        """Mean squared error on the four rows after the last epoch."""
        return self.history.train_loss_end[-1]


def run_logic(
    flavors: Sequence[str] = FLAVORS,
    epochs: int = EPOCHS,
    lr: float = LR,
    momentum: float = MOMENTUM,
    seed: int = 0,
    hidden: int = HIDDEN,
) -> dict[str, LogicResult]:
    """Train the logic network once per flavor, each from the same initial weights (``seed``)
    and with every epoch shuffled by ``np.random.default_rng(seed)``.

    Example:
        >>> results = run_logic(epochs=EPOCHS)
        >>> all(r.learned for r in results.values())
        True
    """
    flavors = tuple(flavors)
    if not flavors:
        raise SpecError(f"flavors={flavors!r}: name at least one of {', '.join(FLAVORS)}.")
    if isinstance(hidden, bool) or not isinstance(hidden, int | np.integer) or hidden < 1:
        raise SpecError(f"hidden={hidden!r}: the number of hidden units must be an integer >= 1.")
    results = {}
    for flavor in flavors:
        batch_size = flavor_batch_size(flavor, len(X), MINIBATCH_SIZE)
        net = MLP([2, int(hidden), 5], hidden="sigmoid", output="sigmoid", loss="mse", seed=seed)
        history = train(net, X, Y, batch_size, epochs, lr, momentum=momentum, shuffle_seed=seed)
        results[flavor] = LogicResult(flavor, batch_size, history, net.predict(X))
    return results


def format_truth_table(predictions: np.ndarray | LogicResult, *, raw: bool = True) -> str:
    """The learned truth table beside the true one; a ``*`` marks a wrong rounded output.

    With ``raw``, the network's unrounded outputs follow the rounded table.
    """
    p = predictions.predictions if isinstance(predictions, LogicResult) else predictions
    p = np.asarray(p, dtype=np.float64)
    if p.shape != Y.shape:
        raise SpecError(f"predictions have shape {p.shape}; the logic problem needs {Y.shape}.")
    names = "".join(f"{f:>5}" for f in FUNCTIONS)
    lines = [f"x1 x2 | true{names} | learned{names}" + (" | outputs" if raw else "")]
    for row in range(len(X)):
        x1, x2 = (int(v) for v in X[row])
        true = "".join(f"{int(v):>5}" for v in Y[row])
        learned = "".join(
            f"{int(r):>4}{'*' if r != t else ' '}"
            for r, t in zip(np.round(p[row]), Y[row], strict=True)
        )
        line = f" {x1}  {x2} |     {true} |         {learned}"
        if raw:
            line += "| " + " ".join(f"{v:.3f}" for v in p[row])
        lines.append(line.rstrip())
    return "\n".join(lines)


def format_errors(results: dict[str, LogicResult], rows: int = 10) -> str:
    """The error (MSE on the four rows) after each of ``rows`` evenly spaced epochs, one
    column per flavor."""
    first = next(iter(results.values())).history
    n_epochs = len(first.epoch)
    picks = sorted({int(round(e)) for e in np.linspace(1, n_epochs, min(rows, n_epochs))})
    header = f"{'epoch':>7} " + " ".join(f"{name:>12}" for name in results)
    lines = [header]
    for e in picks:
        errors = " ".join(f"{r.history.train_loss_end[e - 1]:>12.3e}" for r in results.values())
        lines.append(f"{e:>7} {errors}")
    return "\n".join(lines)


def draw_logic_errors(results: dict[str, LogicResult], ax) -> None:
    """Draw each flavor's error after every epoch on ``ax`` (log scale)."""
    for name, r in results.items():
        label = f"{name} (batch size {r.batch_size})"
        ax.plot(r.history.epoch, r.history.train_loss_end, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("error (MSE)")
    ax.set_title("Five logic functions: the three flavors of gradient descent")
    ax.legend()


def plot_logic_errors(results: dict[str, LogicResult], path: str | Path) -> Path:
    """Draw the error curves of ``results`` on one figure and save it to ``path``; the suffix
    (.png, .svg, .pdf) picks the format. Uses no pyplot state."""
    path = _check_plot_path(path)
    from matplotlib.figure import Figure

    from batchlab._files import atomic_write

    fig = Figure(figsize=(7, 4.5), layout="constrained")
    draw_logic_errors(results, fig.add_subplot())
    return atomic_write(path, lambda handle: fig.savefig(handle, format=path.suffix[1:].lower()))


def logic_command(
    epochs: int = EPOCHS,
    plot: str | None = None,
    seed: int = 0,
    hidden: int = HIDDEN,
    lr: float = LR,
    momentum: float = MOMENTUM,
) -> str:
    """What ``batchlab scratch logic`` prints: per flavor the learned truth table beside the
    true one, then the error per epoch; writes the error curves to ``plot`` when given."""
    if plot is not None:
        _check_plot_path(plot)
    results = run_logic(FLAVORS, epochs=epochs, lr=lr, momentum=momentum, seed=seed, hidden=hidden)
    out = [
        f"Five logic functions, network 2 -> {hidden} sigmoid -> 5 sigmoid, MSE, seed {seed}, "
        f"lr {lr}, momentum {momentum}, {epochs} epochs",
        "",
    ]
    for r in results.values():
        learned = f"learned at epoch {r.learned_at}" if r.learned else "NOT learned"
        out += [
            f"{r.flavor} gradient descent: batch size {r.batch_size} "
            f"({_plural(r.history.steps_per_epoch, 'update')} per epoch), "
            f"final error {r.final_error:.3e}, {learned}",
            format_truth_table(r),
            "",
        ]
    out += ["error (MSE) per epoch", format_errors(results)]
    if plot is not None:
        out += ["", f"wrote {plot_logic_errors(results, plot)}"]
    return "\n".join(out)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _check_plot_path(path: str | Path) -> Path:
    from batchlab._files import check_output

    return check_output(path, "plot", _PLOT_SUFFIXES)
