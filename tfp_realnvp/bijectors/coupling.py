"""Coupling layers (Dinh et al. 2017, section 3.3-3.4): the equation, in one place.

With `b` the binary mask (1 = kept, `masks.py`), `theta` the parameters a
network computes from the kept entries only, and `g_theta` an element-wise
bijector (`elementwise.py`; the paper's is affine)::

    y = b * x + (1 - b) * g_theta(b * x)(x)                   (forward)
    x = b * y + (1 - b) * g_theta(b * y)^-1(y)                (inverse)
    log |det dy/dx| = sum over transformed entries of log g'(x)

and with the paper's affine `g`, `y = b * x + (1 - b) * (x * exp(s) + t)`,
whose log-det is the sum of `s` over the transformed entries. Because the
kept entries pass through unchanged, theta(b * y) = theta(b * x): the
inverse never inverts the network, and the Jacobian is triangular.

Two ways to choose the kept entries, one class each:

* `MaskedCoupling` (`masked_coupling.py`): a binary mask of the event
  shape (fixed, or made from the input's size: the checkerboard);
* `SplitCoupling` (`split_coupling.py`): one half of the last axis is
  kept, the network sees only that half (the channel-wise coupling).

Direction: as for every bijector of this package, `forward` is the paper's
`f`, data -> latent. The generative model uses `tfb.Invert` of the chain.

The networks are evaluated once per direction: the bijectors use TFP's
`BijectorCacheWithGreedyAttrs` (`greedy.py`), so `forward` computes the
log-det at the same time (TFP's own `tfb.RealNVP` runs the network twice).

Network contract, `shift_and_log_scale_fn(conditioner_input, **kwargs)`:
  * it receives a tensor of shape `(N,) + conditioner_event_shape` where `N`
    is the product of the batch dimensions (they are flattened to one and
    restored afterwards, so a Keras layer sees the rank it expects);
  * it returns the inner bijector's parameters in order (`(shift,
    log_scale)` for affine), each of shape `(N,) + transformed_shape`;
  * `kwargs` are the conditioning keyword arguments given to the bijector
    (e.g. `label=`); tensors among them share x's batch shape and are
    flattened the same way.
"""

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp import checks
from tfp_realnvp.bijectors import elementwise
from tfp_realnvp.bijectors import greedy
from tfp_realnvp.bijectors import keras_tracking
from tfp_realnvp.private_api import ps

tfb = tfp.bijectors

__all__ = ["Coupling"]


def _flatten_batch(t, batch_rank):
  """(B1, ..., Bk) + event -> (B1 * ... * Bk,) + event."""
  if batch_rank == 1:
    return t
  return tf.reshape(t, ps.concat([[-1], ps.shape(t)[batch_rank:]], axis=0))


def _unflatten_batch(t, batch_shape, batch_rank):
  """(N,) + event -> batch_shape + event."""
  if batch_rank == 1:
    return t
  return tf.reshape(t, ps.concat([batch_shape, ps.shape(t)[1:]], axis=0))


def _pair_words(names):
  return ("a pair" if len(names) == 2 else f"{len(names)} tensor(s)") + (
      f" ({', '.join(names)})")


class Coupling(greedy.GreedyLogDet, keras_tracking.KerasWeightsTracking,
               tfb.Bijector):
  """Base of the couplings: the equation of the module docstring.

  A subclass says which entries are kept with two methods:
  `_partition(x) -> (conditioner_input, x_t, transformed)` (the network's
  input, the entries `g` acts on, and a 0/1 weight of the entries of `x_t`
  that are transformed, or None for all) and `_merge(x, y_t)`.
  """

  def __init__(self, shift_and_log_scale_fn, bijector_fn, event_ndims,
               validate_args, parameters, name):
    if not isinstance(bijector_fn, elementwise.ElementwiseFactory):
      raise TypeError(f"{name}: bijector_fn must be an "
                      "elementwise.ElementwiseFactory (e.g. elementwise."
                      f"affine); got {bijector_fn!r}.")
    checks.callable_(shift_and_log_scale_fn, "shift_and_log_scale_fn")
    self._shift_and_log_scale_fn = shift_and_log_scale_fn  # tracked attribute
    self._bijector_fn = bijector_fn
    self._event_ndims = int(event_ndims)
    self._init_keras_tracking(shift_and_log_scale_fn)
    super().__init__(
        forward_min_event_ndims=self._event_ndims,
        is_constant_jacobian=False,
        validate_args=validate_args,
        parameters=parameters,
        name=name)

  @classmethod
  def _parameter_properties(cls, dtype):
    return dict()

  @property
  def shift_and_log_scale_fn(self):
    """The network (the conditioner)."""
    return self._shift_and_log_scale_fn

  @property
  def bijector_fn(self):
    """The inner element-wise transformation's factory."""
    return self._bijector_fn

  # -- the coupling, both directions --------------------------------------

  def _apply(self, x, forward, **kwargs):
    """(the merged output, log|det| of this direction) at x (or y)."""
    conditioner_input, x_t, transformed = self._partition(x)
    inner = self._bijector_fn(
        *self._call_network(conditioner_input, x_t, transformed, **kwargs))
    if forward:
      y_t = inner.forward(x_t)
      ldj = inner.forward_log_det_jacobian(x_t, event_ndims=0)
    else:
      y_t = inner.inverse(x_t)
      ldj = inner.inverse_log_det_jacobian(x_t, event_ndims=0)
    # An element-wise map keeps the shape; TFP's spline loses its static
    # part under an unknown batch size (its bin search), which the next
    # squeeze and channel split need.
    y_t.set_shape(x_t.shape)
    # The parameters are zero where nothing is transformed: there g is the
    # identity and its log-derivatives are 0 (`elementwise.py`).
    if ldj.shape.rank is None or ldj.shape.as_list() != x_t.shape.as_list():
      ldj = tf.broadcast_to(ldj, ps.shape(x_t))  # e.g. a shift's scalar 0
    return self._merge(x, y_t), self._sum_event(ldj)

  def _augmented_forward(self, x, **kwargs):
    y, fldj = self._apply(x, True, **kwargs)
    return y, {"fldj": fldj, "ildj": -fldj}

  def _augmented_inverse(self, y, **kwargs):
    # The kept entries of y are those of x, so the network sees the same input.
    x, ildj = self._apply(y, False, **kwargs)
    return x, {"ildj": ildj, "fldj": -ildj}

  # -- helpers for subclasses ---------------------------------------------

  def _sum_event(self, t):
    return tf.reduce_sum(t, axis=list(range(-self._event_ndims, 0)))

  def _check_event_rank(self, x):
    rank = x.shape.rank
    if rank is None:
      raise ValueError(f"{self.name}: the input's rank must be known.")
    if rank < self._event_ndims:
      raise ValueError(
          f"{self.name}: expects inputs of rank >= {self._event_ndims} "
          f"(batch dims + event of rank {self._event_ndims}); got shape "
          f"{x.shape}.")

  def _call_network(self, conditioner_input, transformed_like, transformed,
                    **kwargs):
    """Runs the network; returns its parameters shaped like
    `transformed_like`, zero where `transformed` is 0 (so `g` is the
    identity there, and nothing overflows on the kept entries)."""
    batch_rank = conditioner_input.shape.rank - self._event_ndims
    batch_shape = ps.shape(conditioner_input)[:batch_rank]
    flat_kwargs = {
        k: (_flatten_batch(v, batch_rank) if tf.is_tensor(v) or
            isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    out = self._shift_and_log_scale_fn(
        _flatten_batch(conditioner_input, batch_rank), **flat_kwargs)
    self._track_keras_weights()
    names = self._bijector_fn.parameter_names
    if len(names) == 1 and tf.is_tensor(out):
      out = (out,)
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
      raise TypeError(
          f"{self.name}: shift_and_log_scale_fn must return "
          f"{_pair_words(names)} for the {self._bijector_fn.name} coupling; "
          f"got {type(out).__name__}.")
    entries = transformed_like.shape[batch_rank:]
    results = []
    for what, size, t in zip(names, self._bijector_fn.parameter_sizes, out):
      t = tf.cast(t, transformed_like.dtype)  # e.g. a bfloat16 network
      # (N,) + entries, or (N,) + entries + (size,) for a vector per entry
      expected = entries if size == 1 else entries.concatenate([size])
      if (t.shape.rank is not None and
          (t.shape.rank != 1 + expected.rank or
           not t.shape[1:].is_compatible_with(expected))):
        raise ValueError(
            f"{self.name}: shift_and_log_scale_fn returned {what} of shape "
            f"{t.shape}; expected (batch,) + {tuple(expected)}: the shape of "
            "the entries this coupling transforms"
            + ("" if size == 1 else f", then {size} per entry") + ".")
      if self.validate_args:
        t = tf.ensure_shape(t, [None] + expected.as_list())
      t = _unflatten_batch(t, batch_shape, batch_rank)
      if transformed is not None:
        t = t * (transformed if size == 1 else transformed[..., tf.newaxis])
      results.append(t)
    return results


def check_parity(parity):
  return checks.choice(checks.integer(parity, "parity"), "parity", (0, 1))
