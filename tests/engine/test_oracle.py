"""The engine against the from-scratch NumPy network (batchlab.scratch), in float64.

Same initial weights, same batch order (the engine's own per-(seed, epoch) permutation, given
to the NumPy network as an explicit order), several epochs of SGD with momentum: the weights
agree to a relative error below 1e-6 for batch size 1, a ragged batch size and the full batch.
This is what tells us the engine's masks, momentum and shuffling are right.
"""

import numpy as np
import pytest

import batchlab as bl
from batchlab import scratch
from batchlab.engine._orders import EpochOrders, epoch_order

EPOCHS = 3
SEED = 7


def rel_error(ours, theirs):
    num = np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(ours, theirs, strict=True)))
    return num / np.sqrt(sum(np.sum(b**2) for b in theirs))


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("batch_size", [1, 7, "full"])
def test_engine_agrees_with_the_numpy_network(float64, batch_size, nesterov):
    ds = bl.data.load_dataset("blobs")
    model = bl.models.mlp([16], activation="relu", init="he_uniform")
    result = bl.train(
        ds,
        model,
        bl.sgd(momentum=0.9, nesterov=nesterov),
        batch_size=batch_size,
        learning_rate=0.01,
        seeds=[SEED],
        epochs=EPOCHS,
    )
    initial = result.initial_weights(0)
    assert initial[0].dtype == np.float64

    net = scratch.MLP(
        hidden="relu", output="softmax", loss="categorical_crossentropy", weights=initial
    )
    onehot = np.eye(3)[ds.y_train]
    order = [np.asarray(epoch_order(SEED, e, ds.n_train)) for e in range(EPOCHS)]
    history = scratch.train(
        net,
        ds.x_train.astype(np.float64),
        onehot,
        batch_size=int(result.trials.batch_size.iloc[0]),
        epochs=EPOCHS,
        lr=0.01,
        momentum=0.9,
        nesterov=nesterov,
        order=order,
    )
    error = rel_error(result.final_weights(0), net.get_weights())
    print(f"batch {batch_size}, nesterov {nesterov}: relative error {error:.1e}")
    assert error < 1e-6
    ours = result.history.sort_values("epoch")
    np.testing.assert_allclose(ours.train_loss, history.train_loss, rtol=1e-6)
    np.testing.assert_allclose(ours.train_loss_end, history.train_loss_end, rtol=1e-6)
    np.testing.assert_allclose(ours.train_accuracy, history.train_accuracy, atol=1e-12)


def test_epoch_order_is_a_permutation_that_depends_on_seed_and_epoch():
    a = np.asarray(epoch_order(3, 0, 50))
    assert sorted(a.tolist()) == list(range(50))
    assert np.array_equal(a, np.asarray(epoch_order(3, 0, 50)))
    assert not np.array_equal(a, np.asarray(epoch_order(3, 1, 50)))
    assert not np.array_equal(a, np.asarray(epoch_order(4, 0, 50)))


def test_epoch_orders_draw_the_replayed_stream_in_any_order_of_epochs():
    # A cohort keeps each seed's generator between epochs; a resumed cohort asks for a later
    # epoch first, a test for an earlier one: every access gives the stateless replay's order.
    orders = EpochOrders(50)
    for seed, epoch in [(3, 0), (3, 1), (3, 4), (7, 2), (3, 2), (7, 0), (3, 5), (7, 2)]:
        assert np.array_equal(orders(seed, epoch), epoch_order(seed, epoch, 50)), (seed, epoch)
    # Keras's stream: np.random.seed(s); one permutation spent by fit's build; one per epoch.
    rng = np.random.RandomState(3)
    rng.permutation(50)
    assert np.array_equal(epoch_order(3, 0, 50), rng.permutation(50))


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_a_seed_outside_numpy_s_range_is_refused_by_name(seed):
    with pytest.raises(bl.SpecError, match=r"seed.*2\*\*32 - 1"):
        epoch_order(seed, 0, 5)
