"""Couplings that keep one half of the last axis (`coupling.py`).

`SplitCoupling(parity, network, bijector_fn)`: the last axis (of size C,
even) is split in halves; `parity=0` keeps channels [0, C/2) and transforms
[C/2, C), `parity=1` the reverse (`masks.channel_halves`). The network sees
only the kept half, shape (N, ..., C/2), and returns the inner bijector's
parameters for the other half, shape (N, ..., C/2). Its thin constructor
`ChannelAffineCoupling(parity, network)` is the paper's channel-wise
coupling of images (H, W, C) after a squeeze.
"""

import tensorflow as tf

from tfp_realnvp.bijectors import coupling
from tfp_realnvp.bijectors import elementwise
from tfp_realnvp.bijectors import masks

__all__ = ["SplitCoupling", "ChannelAffineCoupling"]


class SplitCoupling(coupling.Coupling):
  """Coupling keeping one half of the last axis; see module docstring.

  Args:
    parity: 0 or 1.
    shift_and_log_scale_fn: the network (`coupling.py`'s contract).
    bijector_fn: the inner element-wise transformation.
    event_ndims: the event rank (3 for images).
    validate_args: Python `bool`.
    name: Python `str`.
  """

  def __init__(self, parity, shift_and_log_scale_fn,
               bijector_fn=elementwise.affine, event_ndims=3,
               validate_args=False, name="split_coupling", parameters=None):
    parameters = dict(locals()) if parameters is None else parameters
    self._parity = coupling.check_parity(parity)
    super().__init__(shift_and_log_scale_fn, bijector_fn, event_ndims,
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

  def _partition(self, x):
    kept, transformed = self._halves(x)
    return x[..., kept], x[..., transformed], None

  def _merge(self, x, y_t):
    kept, _ = self._halves(x)
    parts = [x[..., kept], y_t]
    return tf.concat(parts if self._parity == 0 else parts[::-1], axis=-1)


class ChannelAffineCoupling(SplitCoupling):
  """The paper's channel-wise affine coupling of images (H, W, C), C even."""

  def __init__(self, parity, shift_and_log_scale_fn, validate_args=False,
               name="channel_affine_coupling"):
    super().__init__(parity, shift_and_log_scale_fn, elementwise.affine,
                     event_ndims=3, validate_args=validate_args, name=name,
                     parameters=dict(locals()))
