"""Convolutions on XLA:CPU: gradients in the standard layout, and trials one after another.

JAX differentiates a convolution into two more convolutions whose dimension numbers are not
the standard ones (the kernel's gradient contracts over the batch, which it treats as the
feature axis), and ``vmap`` over trials turns every convolution into a grouped one. XLA:CPU
runs both far from its fast (Eigen) path: a cohort of 8 trials of a small 1-D CNN trained at
a tenth of Keras ``fit``'s speed. Two remedies, used together on the CPU for models with
convolution layers (:func:`conv_mode`):

- :func:`canonical_convs` rewrites a function's convolutions into ones whose gradients are
  computed in the standard layout (``N...C`` inputs, ``...IO`` kernels): the input gradient
  as a transposed convolution in those dimension numbers, the kernel gradient as a sum of
  products of strided slices of the input with the output gradient (matrix products).
- the cohort maps its trials with ``lax.map`` (one after another inside the program) instead
  of ``vmap``, so no convolution is grouped.

Both compute the same values as the plain path up to floating-point summation order (the
tests compare them).
"""

from __future__ import annotations

import functools
import itertools

import jax
import jax.numpy as jnp
from jax import lax
from jax.extend import core as jcore

_CONV = "conv_general_dilated"
_CALLS = ("pjit", "jit", "closed_call", "core_call")


def has_conv(model) -> bool:
    """Whether a Keras model contains a convolution layer (1-, 2- or 3-D, transposed too)."""
    layers = model._flatten_layers(include_self=False) if hasattr(model, "_flatten_layers") else []
    return any("Conv" in type(layer).__name__ for layer in layers)


def conv_mode(model) -> str:
    """How a cohort trains ``model``: ``"map"`` (conv model on the CPU: trials one after
    another, standard-layout gradients) or ``"vmap"`` (everything else)."""
    return "map" if jax.default_backend() == "cpu" and has_conv(model) else "vmap"


def canonical_convs(fun):
    """``fun`` with each of its convolutions replaced by one whose gradient is computed in the
    standard layout (see the module). Same values; other operations untouched."""

    @functools.wraps(fun)
    def wrapped(*args):
        closed, out_shape = jax.make_jaxpr(fun, return_shape=True)(*args)
        out = _eval(closed.jaxpr, closed.consts, jax.tree.leaves(args))
        return jax.tree.unflatten(jax.tree.structure(out_shape), out)

    return wrapped


def _contains_conv(jaxpr) -> bool:
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == _CONV:
            return True
        for sub in jcore.jaxprs_in_params(eqn.params):
            if _contains_conv(sub):
                return True
    return False


def _eval(jaxpr, consts, args):
    env = {}

    def read(v):
        return v.val if isinstance(v, jcore.Literal) else env[v]

    for v, x in zip(jaxpr.constvars, consts, strict=True):
        env[v] = x
    for v, x in zip(jaxpr.invars, args, strict=True):
        env[v] = x
    for eqn in jaxpr.eqns:
        invals = [read(v) for v in eqn.invars]
        name = eqn.primitive.name
        if name == _CONV and _standard_forward(eqn.params):
            outvals = [_conv(eqn.primitive, eqn.params)(*invals)]
        elif name in _CALLS and "jaxpr" in eqn.params and _contains_conv(eqn.params["jaxpr"].jaxpr):
            inner = eqn.params["jaxpr"]
            outvals = _eval(inner.jaxpr, inner.consts, invals)
        else:
            params = eqn.primitive.get_bind_params(eqn.params)
            with eqn.ctx.manager:
                outvals = eqn.primitive.bind(*invals, **params)
            if not eqn.primitive.multiple_results:
                outvals = [outvals]
        for v, x in zip(eqn.outvars, outvals, strict=True):
            env[v] = x
    return [read(v) for v in jaxpr.outvars]


def _standard_forward(params) -> bool:
    """A plain forward convolution (no input dilation, no groups): what we rewrite."""
    return (
        params["feature_group_count"] == 1
        and params["batch_group_count"] == 1
        and all(d == 1 for d in params["lhs_dilation"])
    )


def _conv(primitive, params):
    def forward(lhs, rhs):
        return primitive.bind(lhs, rhs, **params)

    @jax.custom_vjp
    def conv(lhs, rhs):
        return forward(lhs, rhs)

    def fwd(lhs, rhs):
        return forward(lhs, rhs), (lhs, rhs)

    def bwd(res, g):
        lhs, rhs = res
        return conv_grads(lhs, rhs, g, params)

    conv.defvjp(fwd, bwd)
    return conv


def _inverse(perm):
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


def conv_grads(lhs, rhs, g, params):
    """Gradients of ``conv_general_dilated(lhs, rhs, **params)`` w.r.t. ``lhs`` and ``rhs``
    given the output's gradient ``g``, computed in the standard layout."""
    dn = params["dimension_numbers"]
    nd = len(dn.lhs_spec) - 2
    perm_l = (dn.lhs_spec[0], *dn.lhs_spec[2:], dn.lhs_spec[1])  # -> N, spatial, C
    perm_r = (*dn.rhs_spec[2:], dn.rhs_spec[1], dn.rhs_spec[0])  # -> spatial, I, O
    perm_o = (dn.out_spec[0], *dn.out_spec[2:], dn.out_spec[1])  # -> N, spatial, C
    x = jnp.transpose(lhs, perm_l)
    w = jnp.transpose(rhs, perm_r)
    gc = jnp.transpose(g, perm_o).astype(x.dtype)
    strides, dil = tuple(params["window_strides"]), tuple(params["rhs_dilation"])
    pads = tuple(tuple(p) for p in params["padding"])
    size_in, size_k, size_out = x.shape[1 : 1 + nd], w.shape[:nd], gc.shape[1 : 1 + nd]
    canonical = lax.ConvDimensionNumbers(
        lhs_spec=(0, nd + 1, *range(1, nd + 1)),
        rhs_spec=(nd + 1, nd, *range(nd)),
        out_spec=(0, nd + 1, *range(1, nd + 1)),
    )
    precision = params.get("precision")

    # input gradient: the transposed convolution, in standard dimension numbers
    w_t = jnp.swapaxes(jnp.flip(w, tuple(range(nd))), nd, nd + 1)  # spatial, O, I
    pad_t = []
    for n_in, k, t, s, d, (lo, _) in zip(
        size_in, size_k, size_out, strides, dil, pads, strict=True
    ):
        pad_t.append(((k - 1) * d - lo, n_in - 1 - (t - 1) * s + lo))
    dx = lax.conv_general_dilated(
        gc,
        w_t,
        window_strides=(1,) * nd,
        padding=pad_t,
        lhs_dilation=strides,
        rhs_dilation=dil,
        dimension_numbers=canonical,
        precision=precision,
    )

    # kernel gradient: for each kernel offset, the strided slice of the padded input that
    # met it, contracted with the output gradient over the batch and the output positions
    pad_cfg = [(0, 0, 0)]
    for n_in, k, t, s, d, (lo, _) in zip(
        size_in, size_k, size_out, strides, dil, pads, strict=True
    ):
        hi = (k - 1) * d + (t - 1) * s + 1 - n_in - lo
        pad_cfg.append((lo, hi, 0))
    pad_cfg.append((0, 0, 0))
    xp = lax.pad(x, jnp.zeros((), x.dtype), pad_cfg)
    taps = []
    for offset in itertools.product(*(range(k) for k in size_k)):
        start = (0, *(o * d for o, d in zip(offset, dil, strict=True)), 0)
        limit = (
            xp.shape[0],
            *(
                o * d + (t - 1) * s + 1
                for o, d, t, s in zip(offset, dil, size_out, strides, strict=True)
            ),
            xp.shape[-1],
        )
        patch = lax.slice(xp, start, limit, (1, *strides, 1))  # N, out spatial, I
        axes = tuple(range(nd + 1))
        taps.append(
            lax.dot_general(patch, gc, ((axes, axes), ((), ())), precision=precision)
        )  # I, O
    dw = jnp.stack(taps).reshape(*size_k, *w.shape[nd:])
    return (
        jnp.transpose(dx, _inverse(perm_l)).astype(lhs.dtype),
        jnp.transpose(dw, _inverse(perm_r)).astype(rhs.dtype),
    )
