"""Factoring out half of the dimensions at each scale (paper section 3.6, eq. 13).

Forward (data -> latent), event (H, W, C) -> (H, W, C)::

    s = Squeeze(ordered=True)(x)               # (H/2, W/2, 4C)
    s1, s2 = s[..., :2C], s[..., 2C:]          # s2 is factored out: final latents
    z = Squeeze(ordered=True)^-1(concat([inner(s1), s2]))
    log |det| = log |det d inner / d s1|

`inner` is the rest of the flow at the next scale (itself possibly ending in
a `FactorOut`). With the ordered squeeze, the factored-out half is one colour
of a spatial checkerboard, as in the reference (`squeeze_2x2_ordered`), and
the latent keeps the data's shape: every scale's latents sit at fixed pixel
positions of z.
"""

import tensorflow as tf
import tensorflow_probability as tfp
from tfp_realnvp.bijectors import greedy
from tfp_realnvp.bijectors import squeeze

tfb = tfp.bijectors

__all__ = ["FactorOut"]


class FactorOut(greedy.GreedyLogDet, tfb.Bijector):
  """Applies `inner` to half of the ordered-squeezed input; see module docstring.

  Args:
    inner: a bijector on events (H/2, W/2, 2C), shape preserving.
    validate_args: Python `bool`.
    name: Python `str`. Conditioning kwargs given to this bijector are passed
      to `inner` unchanged (a `tfb.Chain` inner routes them by name).
  """

  def __init__(self, inner, validate_args=False, name="factor_out"):
    parameters = dict(locals())
    if not isinstance(inner, tfb.Bijector):
      raise TypeError(f"inner must be a tfp.bijectors.Bijector; got "
                      f"{inner!r}.")
    self._inner = inner
    self._squeeze = squeeze.Squeeze(ordered=True, validate_args=validate_args)
    super().__init__(forward_min_event_ndims=3, validate_args=validate_args,
                     parameters=parameters, name=name)

  @classmethod
  def _parameter_properties(cls, dtype):
    return dict()

  @property
  def inner(self):
    return self._inner

  def _apply(self, x, direction, **kwargs):
    s = self._squeeze.forward(x)                  # (..., H/2, W/2, 4C)
    s1, s2 = tf.split(s, 2, axis=-1)              # each (..., H/2, W/2, 2C)
    if direction == "forward":
      t1 = self._inner.forward(s1, **kwargs)
      ldj = self._inner.forward_log_det_jacobian(s1, event_ndims=3, **kwargs)
    else:
      t1 = self._inner.inverse(s1, **kwargs)
      ldj = -self._inner.inverse_log_det_jacobian(s1, event_ndims=3, **kwargs)
    out = self._squeeze.inverse(tf.concat([t1, s2], axis=-1))  # (..., H, W, C)
    return out, ldj  # forward: log-det of x -> out; inverse: minus that of y -> out

  def _augmented_forward(self, x, **kwargs):
    y, fldj = self._apply(x, "forward", **kwargs)
    return y, {"fldj": fldj, "ildj": -fldj}

  def _augmented_inverse(self, y, **kwargs):
    x, minus_ildj = self._apply(y, "inverse", **kwargs)
    return x, {"ildj": -minus_ildj, "fldj": minus_ildj}
