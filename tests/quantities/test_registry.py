"""The registry and the base: names by schedule, needs as data, checks derived from them."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

from batchlab.errors import BatchlabError
from batchlab.quantities import (
    NEEDS,
    QUANTITIES,
    SCHEDULES,
    Inputs,
    Quantity,
    gather_inputs,
    measure,
    names,
)
from batchlab.quantities._inputs import missing

from .mlp import make_params

SIZES = (2, 5)


def test_names_by_schedule():
    """Today's quantities on their schedules (a superset: a new module adds to them)."""
    assert names() == tuple(QUANTITIES)
    assert set(names("scheduled")) >= {
        "grad_norm_sq",
        "grad_norm",
        "full_grad_norm_sq",
        "trace_cov",
        "b_simple",
        "grad_snr",
    }
    assert set(names("every_epoch")) >= {"distance_from_init", "epoch_distance"}
    assert sorted(names("scheduled") + names("every_epoch")) == sorted(names())
    assert all(QUANTITIES[name].schedule == "every_epoch" for name in names("every_epoch"))
    with pytest.raises(BatchlabError, match="did you mean 'every_epoch'"):
        names("every-epoch")


def test_needs_are_the_optional_inputs_and_each_has_its_requirement():
    assert set(NEEDS) <= set(Inputs._fields)
    assert all(Inputs._field_defaults[need] is None for need in NEEDS)
    for need in NEEDS:  # nothing given: every need lacks something, and says what
        assert missing(need, key=None, params0=None, params_prev=None, pool=1)
        assert missing(need, key=jax.random.key(0), params0={}, params_prev={}, pool=2) is None


@pytest.mark.parametrize("name", list(QUANTITIES))
def test_each_quantity_computes_from_what_it_declares(problem, name):
    """Given only its declared needs (the rest None), it yields its stats in their shapes."""
    quantity = QUANTITIES[name]
    assert quantity.schedule in SCHEDULES and set(quantity.needs) <= set(NEEDS)

    @jax.jit
    def compute(params, key):
        inputs = gather_inputs(
            quantity.needs,
            params,
            problem.loss,
            problem.x,
            problem.y,
            key=key,
            params0=make_params(1),
            params_prev=make_params(2),
            batch_sizes=SIZES,
            n_batches=4,
        )
        assert all(getattr(inputs, need) is None for need in set(NEEDS) - quantity.needs)
        return quantity.compute(inputs)

    out = compute(problem.params, jax.random.key(0))
    assert set(out) == set(quantity.stats)
    shape = (len(SIZES),) if quantity.per_batch_size else ()
    assert all(value.shape == shape for value in out.values()), {k: v.shape for k, v in out.items()}


def test_a_new_quantity_is_measured_from_its_registration_alone(problem, monkeypatch):
    """Registered (as its module would be), it is named, checked and measured like the others."""
    motion = Quantity(
        name="weight_norm_change",
        stats=("value",),
        needs={"params_prev"},
        schedule="every_epoch",
        compute=lambda inputs: {
            "value": jnp.linalg.norm(inputs.params["w1"])
            - jnp.linalg.norm(inputs.params_prev["w1"])
        },
    )
    monkeypatch.setitem(QUANTITIES, motion.name, motion)
    assert names("every_epoch")[-1] == "weight_norm_change"
    args = (problem.params, None, problem.loss, problem.x, problem.y, None)
    out = measure(["weight_norm_change"], *args, params_prev=make_params(2))
    expected = jnp.linalg.norm(problem.params["w1"]) - jnp.linalg.norm(make_params(2)["w1"])
    assert float(out["weight_norm_change.value"]) == pytest.approx(float(expected))
    with pytest.raises(BatchlabError, match="weight_norm_change needs params_prev"):
        measure(["weight_norm_change"], *args)


def test_a_quantity_reads_nothing_it_did_not_declare(problem, monkeypatch):
    """Measured beside trace_cov, which needs the moments, an undeclared reader still gets None."""
    sneaky = Quantity(
        name="sneaky",
        stats=("value",),
        needs=(),
        schedule="scheduled",
        compute=lambda inputs: {"value": inputs.moments.m2},
    )
    monkeypatch.setitem(QUANTITIES, sneaky.name, sneaky)
    args = (problem.params, None, problem.loss, problem.x, problem.y, None)
    with pytest.raises(AttributeError, match="NoneType"):
        measure(["trace_cov", "sneaky"], *args)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"needs": {"hessian"}}, "unknown needs"),
        ({"schedule": "daily"}, "schedule 'daily'"),
        ({"stats": ()}, "at least one stat"),
        ({"name": "grad norm"}, "name"),
    ],
)
def test_quantity_rejects_a_bad_declaration(fields, message):
    declared = {"name": "q", "stats": ("value",), "needs": (), "schedule": "scheduled"}
    with pytest.raises(ValueError, match=message):
        Quantity(**(declared | fields), compute=lambda inputs: {})
