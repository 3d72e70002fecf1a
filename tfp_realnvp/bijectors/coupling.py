"""Affine coupling layers (Dinh et al. 2017, section 3.3-3.4).

The coupling equation, the only place it is written in this package. With `b`
the binary mask (1 = kept, see `masks.py`), `s` and `t` the log-scale and
shift computed by a network from the kept entries only::

    y = b * x + (1 - b) * (x * exp(s(b * x)) + t(b * x))        (forward)
    x = b * y + (1 - b) * (y - t(b * y)) * exp(-s(b * y))       (inverse)
    log |det dy/dx| = sum over transformed entries of s(b * x)

Because the kept entries pass through unchanged, `s(b * y) = s(b * x)`: the
inverse never inverts the networks, and the Jacobian is triangular.

Direction: as for every bijector of this package, `forward` is the paper's
`f`, data -> latent. The generative model uses `tfb.Invert` of the chain.

The networks are evaluated once per direction: the bijectors use TFP's
`BijectorCacheWithGreedyAttrs`, so `forward` computes the log-det at the same
time and `forward_log_det_jacobian` reads it from the cache (TFP's own
`tfb.RealNVP` runs the network a second time for the log-det).

Network contract, `shift_and_log_scale_fn(conditioner_input, **kwargs)`:
  * it receives a tensor of shape `(N,) + input_event_shape` where `N` is the
    product of the batch dimensions (batch dimensions are flattened to one
    and restored afterwards, so a Keras layer sees the rank it expects);
  * it returns `(shift, log_scale)`, each of shape `(N,) + transformed_shape`;
  * `kwargs` are the conditioning keyword arguments given to the bijector
    (e.g. `label=`); tensors among them share x's batch shape and are
    flattened the same way.
"""

import abc

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp.bijectors import greedy
from tfp_realnvp.bijectors import keras_tracking
from tfp_realnvp.bijectors import masks
from tfp_realnvp.bijectors._compat import ps

tfb = tfp.bijectors

__all__ = [
    "affine_forward",
    "affine_inverse",
    "AffineCoupling",
    "MaskedCoupling",
    "MaskedAffineCoupling",
    "CheckerboardAffineCoupling",
    "ChannelAffineCoupling",
]


def affine_forward(x, shift, log_scale):
  """The coupling equation on the transformed entries: x * exp(s) + t."""
  return x * tf.exp(log_scale) + shift


def affine_inverse(y, shift, log_scale):
  """Inverse of `affine_forward`: (y - t) * exp(-s)."""
  return (y - shift) * tf.exp(-log_scale)


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


class AffineCoupling(greedy.GreedyLogDet, keras_tracking.KerasWeightsTracking,
                     tfb.Bijector):
  """Base class of the affine couplings: the equation, the caching, the call.

  Subclasses say which entries are kept and how the network sees them by
  implementing `_coupling_parameters(x, **kwargs) -> (x_t, shift, log_scale)`
  (the transformed part of `x` and its parameters) and `_merge(x, y_t)` (put
  the transformed part back next to the kept entries of `x`).
  """

  def __init__(self, shift_and_log_scale_fn, event_ndims, validate_args,
               parameters, name):
    self._shift_and_log_scale_fn = shift_and_log_scale_fn  # tracked attribute
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
    return self._shift_and_log_scale_fn

  # -- the coupling, both directions --------------------------------------

  def _augmented_forward(self, x, **kwargs):
    x_t, shift, log_scale = self._coupling_parameters(x, **kwargs)
    y = self._merge(x, affine_forward(x_t, shift, log_scale))
    fldj = self._sum_event(log_scale)
    return y, {"fldj": fldj, "ildj": -fldj}

  def _augmented_inverse(self, y, **kwargs):
    # The kept entries of y are those of x, so the network sees the same input.
    y_t, shift, log_scale = self._coupling_parameters(y, **kwargs)
    x = self._merge(y, affine_inverse(y_t, shift, log_scale))
    ildj = -self._sum_event(log_scale)
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

  def _call_network(self, conditioner_input, transformed_like, **kwargs):
    """Runs the network; returns (shift, log_scale) shaped like `transformed_like`."""
    batch_rank = conditioner_input.shape.rank - self._event_ndims
    batch_shape = ps.shape(conditioner_input)[:batch_rank]
    flat_kwargs = {
        k: (_flatten_batch(v, batch_rank) if tf.is_tensor(v) or
            isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    out = self._shift_and_log_scale_fn(
        _flatten_batch(conditioner_input, batch_rank), **flat_kwargs)
    self._track_keras_weights()
    if not isinstance(out, (tuple, list)) or len(out) != 2:
      raise TypeError(
          f"{self.name}: shift_and_log_scale_fn must return a pair "
          f"(shift, log_scale); got {type(out).__name__}.")
    expected = transformed_like.shape[batch_rank:]
    results = []
    for what, t in zip(("shift", "log_scale"), out):
      t = tf.cast(t, transformed_like.dtype)  # e.g. a bfloat16 network
      got = t.shape[1:]
      if (t.shape.rank is not None and
          (t.shape.rank != 1 + self._event_ndims or
           not got.is_compatible_with(expected))):
        raise ValueError(
            f"{self.name}: shift_and_log_scale_fn returned {what} of shape "
            f"{t.shape}; expected (batch,) + {tuple(expected)}, the shape of "
            "the entries this coupling transforms.")
      if self.validate_args:
        t = tf.ensure_shape(t, [None] + expected.as_list())
      results.append(_unflatten_batch(t, batch_shape, batch_rank))
    return tuple(results)


class MaskedCoupling(AffineCoupling):
  """Base of the couplings that keep the entries where a binary mask is 1.

  The network sees `conditioner_input(x, b)` (by default `b * x`) and returns
  `shift` and `log_scale` of x's event shape; they are used only where
  `b = 0`. Subclasses say what the mask is by implementing `_mask_for(x)`,
  a tensor broadcastable against the event of `x` (1 = kept).
  """

  @abc.abstractmethod
  def _mask_for(self, x):
    """The mask (1 = kept) as a tensor broadcastable against x's event."""

  def _conditioner_input(self, x, mask):
    return x * mask

  def _coupling_parameters(self, x, **kwargs):
    self._check_event_rank(x)
    mask = self._mask_for(x)
    shift, log_scale = self._call_network(
        self._conditioner_input(x, mask), x, **kwargs)
    # Zero parameters on kept entries make the equation the identity there.
    return x, shift * (1. - mask), log_scale * (1. - mask)

  def _merge(self, x, y_t):
    del x  # the kept entries of y_t are already those of x, exactly
    return y_t


class MaskedAffineCoupling(MaskedCoupling):
  """Affine coupling with a fixed binary mask, for any event shape.

  The network sees `b * x` (shape: batch + mask.shape) and returns `shift`
  and `log_scale` of the same shape. Vectors use it with
  `masks.alternating_mask` (2-D toy densities, tabular data, variational
  posteriors).

  Args:
    mask: array of 0s and 1s (1 = kept), of the event shape; its rank is
      `forward_min_event_ndims`.
    shift_and_log_scale_fn: the network, see the module docstring.
    validate_args: Python `bool`, check shapes at run time too.
    name: Python `str`; also the key under which `tfb.Chain` routes
      conditioning kwargs to this bijector.
  """

  def __init__(self, mask, shift_and_log_scale_fn, validate_args=False,
               name="masked_affine_coupling"):
    parameters = dict(locals())
    mask = np.asarray(mask)
    if mask.ndim < 1 or not np.all((mask == 0) | (mask == 1)):
      raise ValueError("MaskedAffineCoupling: mask must be an array of 0s and "
                       f"1s of rank >= 1; got {mask!r}.")
    self._mask = mask.astype(np.float32)
    super().__init__(shift_and_log_scale_fn, event_ndims=mask.ndim,
                     validate_args=validate_args, parameters=parameters,
                     name=name)

  @property
  def mask(self):
    return self._mask

  def _mask_for(self, x):
    event_shape = x.shape[-self._event_ndims:]
    if not event_shape.is_compatible_with(self._mask.shape):
      raise ValueError(f"{self.name}: input event shape {event_shape} does not "
                       f"match the mask's shape {self._mask.shape}.")
    return tf.constant(self._mask, dtype=x.dtype)


class CheckerboardAffineCoupling(MaskedCoupling):
  """Affine coupling of images (H, W, C) with a checkerboard mask.

  Mask `b[h, w] = (h + w + parity) mod 2`, the same for every channel
  (`masks.checkerboard_mask`; it depends on the image size, so it is made
  for each input). The network sees `concat([b * x, b], -1)`, shape
  (N, H, W, C + 1): the masked image plus the mask as an extra channel, as
  the reference does, so it can tell a kept zero from a masked entry. It
  returns `shift`, `log_scale` of shape (N, H, W, C).

  Args:
    parity: 0 or 1; couplings alternate parities.
    shift_and_log_scale_fn: the network, see the module docstring.
    validate_args: Python `bool`.
    name: Python `str`.
  """

  def __init__(self, parity, shift_and_log_scale_fn, validate_args=False,
               name="checkerboard_affine_coupling"):
    parameters = dict(locals())
    self._parity = _check_parity(parity)
    super().__init__(shift_and_log_scale_fn, event_ndims=3,
                     validate_args=validate_args, parameters=parameters,
                     name=name)

  @property
  def parity(self):
    return self._parity

  def _mask_for(self, x):
    height, width = x.shape[-3], x.shape[-2]
    if height is None or width is None:
      height, width = tf.shape(x)[-3], tf.shape(x)[-2]
    return masks.checkerboard_mask(height, width, self._parity, x.dtype)

  def _conditioner_input(self, x, mask):
    mask_channel = tf.broadcast_to(mask, ps.shape(x[..., :1]))
    return tf.concat([x * mask, mask_channel], axis=-1)


class ChannelAffineCoupling(AffineCoupling):
  """Affine coupling of images (H, W, C) with a channel-wise mask, C even.

  `parity=0` keeps channels [0, C/2) and transforms [C/2, C); `parity=1` the
  reverse (`masks.channel_halves`). The network sees only the kept half,
  shape (N, H, W, C/2), and returns `shift`, `log_scale` for the other half,
  shape (N, H, W, C/2).

  Args:
    parity: 0 or 1.
    shift_and_log_scale_fn: the network, see the module docstring.
    validate_args: Python `bool`.
    name: Python `str`.
  """

  def __init__(self, parity, shift_and_log_scale_fn, validate_args=False,
               name="channel_affine_coupling"):
    parameters = dict(locals())
    self._parity = _check_parity(parity)
    super().__init__(shift_and_log_scale_fn, event_ndims=3,
                     validate_args=validate_args, parameters=parameters,
                     name=name)

  @property
  def parity(self):
    return self._parity

  def _halves(self, x):
    self._check_event_rank(x)
    channels = x.shape[-1]
    if channels is None or channels % 2:
      raise ValueError(
          f"{self.name}: a channel-wise coupling needs a known, even number "
          f"of channels; got {channels} (input shape {x.shape}).")
    return masks.channel_halves(channels, self._parity)

  def _coupling_parameters(self, x, **kwargs):
    kept, transformed = self._halves(x)
    x_t = x[..., transformed]
    shift, log_scale = self._call_network(x[..., kept], x_t, **kwargs)
    return x_t, shift, log_scale

  def _merge(self, x, y_t):
    kept, _ = self._halves(x)
    parts = [x[..., kept], y_t]
    return tf.concat(parts if self._parity == 0 else parts[::-1], axis=-1)


def _check_parity(parity):
  if parity not in (0, 1):
    raise ValueError(f"parity must be 0 or 1; got {parity!r}.")
  return int(parity)
