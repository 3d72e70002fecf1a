"""Couplings that keep the entries where a binary mask is 1 (`coupling.py`).

`MaskedCoupling(mask, network, bijector_fn)` is the general one: the
network sees `b * x` (and, with `mask_channel`, the mask itself as one more
channel, as the reference's checkerboard couplings do, so it can tell a
kept zero from a masked entry) and returns the inner bijector's parameters
for every entry of the event; they are used where `b = 0` only. Its thin
constructors:

    CheckerboardCoupling(parity, network, bijector_fn)   images (H, W, C),
        b[h, w] = (h + w + parity) mod 2 for every channel, made for each
        input's size; the network sees (N, H, W, C + 1)
    CheckerboardAffineCoupling(parity, network)          the paper's
    MaskedAffineCoupling(mask, network)                  any event shape,
        a fixed mask (vectors: `masks.alternating_mask`)
"""

import functools

import numpy as np
import tensorflow as tf

from tfp_realnvp import checks
from tfp_realnvp.bijectors import coupling
from tfp_realnvp.bijectors import elementwise
from tfp_realnvp.bijectors import masks
from tfp_realnvp.private_api import ps

__all__ = ["MaskedCoupling", "CheckerboardCoupling",
           "CheckerboardAffineCoupling", "MaskedAffineCoupling"]


class MaskedCoupling(coupling.Coupling):
  """Coupling keeping the entries where `mask` is 1; see module docstring.

  Args:
    mask: an array of 0s and 1s of the event shape (its rank is
      `forward_min_event_ndims`), or a callable `x -> mask` broadcastable
      against x's event (then give `event_ndims`).
    shift_and_log_scale_fn: the network (`coupling.py`'s contract).
    bijector_fn: the inner element-wise transformation
      (`elementwise.affine`, the paper's, or `elementwise.additive`).
    event_ndims: the event rank, for a callable `mask`.
    mask_channel: append the mask to the network's input as a channel.
    validate_args: Python `bool`, check shapes at run time too.
    name: Python `str`; also the key under which `tfb.Chain` routes
      conditioning kwargs to this bijector.
  """

  def __init__(self, mask, shift_and_log_scale_fn,
               bijector_fn=elementwise.affine, event_ndims=None,
               mask_channel=False, validate_args=False,
               name="masked_coupling", parameters=None):
    parameters = dict(locals()) if parameters is None else parameters
    if callable(mask):
      if event_ndims is None:
        raise ValueError(f"{name}: a callable mask needs event_ndims.")
      self._mask = None
      self._mask_fn = mask
    else:
      mask = np.asarray(mask)
      if mask.ndim < 1 or not np.all((mask == 0) | (mask == 1)):
        raise ValueError(f"{type(self).__name__}: mask must be an array of "
                         f"0s and 1s of rank >= 1; got {mask!r}.")
      self._mask = mask.astype(np.float32)
      self._mask_fn = self._fixed_mask
      event_ndims = mask.ndim
    self._mask_channel = checks.flag(mask_channel, "mask_channel")
    super().__init__(shift_and_log_scale_fn, bijector_fn, event_ndims,
                     validate_args=validate_args, parameters=parameters,
                     name=name)

  @property
  def mask(self):
    """The fixed mask, or None if it is made for each input."""
    return self._mask

  def mask_for(self, x):
    """The mask (1 = kept) for input `x`, broadcastable against its event."""
    return self._mask_fn(x)

  def _fixed_mask(self, x):
    event_shape = x.shape[-self._event_ndims:]
    if not event_shape.is_compatible_with(self._mask.shape):
      raise ValueError(f"{self.name}: input event shape {event_shape} does not "
                       f"match the mask's shape {self._mask.shape}.")
    return tf.constant(self._mask, dtype=x.dtype)

  def _partition(self, x):
    self._check_event_rank(x)
    mask = self.mask_for(x)
    conditioner_input = x * mask
    if self._mask_channel:
      conditioner_input = tf.concat(
          [conditioner_input, tf.broadcast_to(mask, ps.shape(x[..., :1]))],
          axis=-1)
    return conditioner_input, x, 1. - mask  # g acts where the mask is 0

  def _merge(self, x, y_t):
    # The parameters are zero on the kept entries, where `g` is then the
    # identity (`elementwise.py`'s contract): y_t holds them exactly.
    del x
    return y_t


def _checkerboard(parity, x):
  height, width = x.shape[-3], x.shape[-2]
  if height is None or width is None:
    height, width = tf.shape(x)[-3], tf.shape(x)[-2]
  return masks.checkerboard_mask(height, width, parity, x.dtype)


class CheckerboardCoupling(MaskedCoupling):
  """Coupling of images (H, W, C) with the checkerboard mask (module
  docstring); `parity` 0 or 1, couplings alternate parities."""

  def __init__(self, parity, shift_and_log_scale_fn,
               bijector_fn=elementwise.affine, validate_args=False,
               name="checkerboard_coupling", parameters=None):
    parameters = dict(locals()) if parameters is None else parameters
    self._parity = coupling.check_parity(parity)
    super().__init__(functools.partial(_checkerboard, self._parity),
                     shift_and_log_scale_fn, bijector_fn, event_ndims=3,
                     mask_channel=True, validate_args=validate_args,
                     name=name, parameters=parameters)

  @property
  def parity(self):
    return self._parity


class CheckerboardAffineCoupling(CheckerboardCoupling):
  """The paper's checkerboard coupling: affine, the network sees
  (N, H, W, C + 1) and returns `shift`, `log_scale` of shape (N, H, W, C)."""

  def __init__(self, parity, shift_and_log_scale_fn, validate_args=False,
               name="checkerboard_affine_coupling"):
    super().__init__(parity, shift_and_log_scale_fn, elementwise.affine,
                     validate_args, name, parameters=dict(locals()))


class MaskedAffineCoupling(MaskedCoupling):
  """Affine coupling with a fixed mask of any event shape: the network sees
  `b * x` and returns `shift`, `log_scale` of the mask's shape."""

  def __init__(self, mask, shift_and_log_scale_fn, validate_args=False,
               name="masked_affine_coupling"):
    super().__init__(mask, shift_and_log_scale_fn, elementwise.affine,
                     validate_args=validate_args, name=name,
                     parameters=dict(locals()))
