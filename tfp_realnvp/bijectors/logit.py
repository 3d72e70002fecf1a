"""The logit preprocessing of Real NVP (paper section 4.1; reference `RealNVP.__init__`).

Forward (data -> latent), for pixel intensities x in [0, 1]::

    p = alpha + (1 - 2 alpha) x            (squeeze away from 0 and 1)
    l = logit(p) = log p - log(1 - p)
    log |dl/dx| = log(1 - 2 alpha) - log p - log(1 - p)
                = log(1 - 2 alpha) + softplus(l) + softplus(-l)

The reference code uses 1 - 2 alpha (alpha = 0.05 gives 0.05 + 0.9 x), not the
paper's 1 - alpha; this follows the code. A flow whose data end is this
bijector therefore has a density on [0, 1]^D, and its bits/dim include the
preprocessing.
"""

import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp import checks

tfb = tfp.bijectors

__all__ = ["LogitTransform"]


class LogitTransform(tfb.Bijector):
  """Elementwise `x -> logit(alpha + (1 - 2 alpha) x)`, x in [0, 1].

  Args:
    alpha: Python float in (0, 0.5); 0.05 in the paper's CIFAR-10 setting.
    validate_args: Python `bool`; if `True`, `forward` checks that its input
      lies in [0, 1] and `inverse` that its input is finite.
    name: Python `str`.
  """

  def __init__(self, alpha=0.05, validate_args=False, name="logit_transform"):
    parameters = dict(locals())
    # 0 would map the pixel values 0 and 1 to infinity.
    self._alpha = checks.number(alpha, "alpha", above=0, below=0.5)
    super().__init__(
        forward_min_event_ndims=0,
        validate_args=validate_args,
        parameters=parameters,
        name=name)

  @classmethod
  def _parameter_properties(cls, dtype):
    return dict()

  @property
  def alpha(self):
    return self._alpha

  def _forward(self, x):
    if self.validate_args:
      x = _assert_unit_interval(x, self.name)
    p = self._alpha + (1. - 2. * self._alpha) * x
    return tf.math.log(p) - tf.math.log1p(-p)

  def _inverse(self, y):
    if self.validate_args:
      y = tf.debugging.assert_all_finite(
          y, message=f"{self.name}: inverse input must be finite.")
    return (tf.sigmoid(y) - self._alpha) / (1. - 2. * self._alpha)

  def _forward_log_det_jacobian(self, x):
    logits = self._forward(x)
    return self._log_det_at_logits(logits)

  def _inverse_log_det_jacobian(self, y):
    return -self._log_det_at_logits(y)

  def _log_det_at_logits(self, logits):
    log_scale = tf.math.log(tf.constant(1. - 2. * self._alpha, logits.dtype))
    return log_scale + tf.math.softplus(logits) + tf.math.softplus(-logits)


def _assert_unit_interval(x, name):
  with tf.control_dependencies([
      tf.debugging.assert_greater_equal(
          x, tf.zeros([], x.dtype),
          message=f"{name}: pixel intensities must lie in [0, 1]"),
      tf.debugging.assert_less_equal(
          x, tf.ones([], x.dtype),
          message=f"{name}: pixel intensities must lie in [0, 1]")]):
    return tf.identity(x)
