"""The logistic-mixture CDF as a coupling's inner transformation (Ho et al.
2019, *Flow++*, section 3.1).

Per transformed entry, with K components (weights pi = softmax(logits),
means mu_k, log-scales s_k), z_k = (x - mu_k) exp(-s_k) and the mixture's
CDF F(x) = sum_k pi_k sigmoid(z_k)::

    g(x) = logit(F(x)) * exp(a) + b
    log g'(x) = a + log f(x) - log F(x) - log(1 - F(x)),
    f(x) = sum_k pi_k sigmoid(z_k) sigmoid(-z_k) exp(-s_k)

computed as log-sum-exps of log pi_k + log sigmoid(+-z_k), so neither tail
rounds F to 0 or 1. The inverse has no closed form: after the affine,
logit(F(x)) = v is solved by bisection. logit(F) lies between the smallest
and the largest z_k, so the root lies in [min_k(mu_k + v e^s_k),
max_k(mu_k + v e^s_k)]: a bracket that holds for any parameters, halved a
fixed number of times (the bracket's width / 2^60 is below the dtype's
resolution for any bracket wider than it); a last Newton step gives the
root its gradient (the implicit function's), so samples differentiate.

With every parameter zero (equal weights, mu = 0, s = 0, a = b = 0),
F = sigmoid and g(x) = x: the identity, `elementwise.py`'s contract.
Flow++ used K = 32 on CIFAR-10 and floors the log-scales s_k at -7 (as
here); the default K here is smaller, for speed.
"""

import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp import checks
from tfp_realnvp.bijectors import elementwise

tfb = tfp.bijectors

__all__ = ["LogisticMixtureCDF", "logistic_mixture", "BISECTION_STEPS"]

BISECTION_STEPS = 60
MIN_LOG_SCALE = -7.


def _log_sigmoid(z):
  return -tf.math.softplus(-z)


class LogisticMixtureCDF(tfb.Bijector):
  """g(x) = logit(MixLogCDF(x)) * exp(log_scale) + shift, element-wise.

  Args:
    logits, means, log_scales: (..., K), the mixture per entry.
    shift, log_scale: (...), the affine after the logit.
  """

  def __init__(self, logits, means, log_scales, shift, log_scale,
               name="logistic_mixture_cdf"):
    parameters = dict(locals())
    # log softmax at any rank (the CPU kernel stops at rank 5)
    self._log_weights = logits - tf.reduce_logsumexp(logits, -1, keepdims=True)
    # Flow++'s floor on the components' log-scales: no spike narrower
    # than e^-7 (the identity's 0 is far above it).
    self._means = means
    self._log_scales = tf.maximum(log_scales, MIN_LOG_SCALE)
    self._shift, self._log_scale = shift, log_scale
    super().__init__(forward_min_event_ndims=0, is_constant_jacobian=False,
                     validate_args=False, parameters=parameters, name=name)

  @classmethod
  def _parameter_properties(cls, dtype):
    return dict()

  def _z(self, x):
    """(..., K): each component's standardized x."""
    return (x[..., tf.newaxis] - self._means) * tf.exp(-self._log_scales)

  def _log_cdfs(self, x):
    """(log F(x), log(1 - F(x))), each (...)."""
    z = self._z(x)
    return (tf.reduce_logsumexp(self._log_weights + _log_sigmoid(z), -1),
            tf.reduce_logsumexp(self._log_weights + _log_sigmoid(-z), -1))

  def _logit_cdf(self, x):
    log_f, log_1mf = self._log_cdfs(x)
    return log_f - log_1mf

  def _forward(self, x):
    return self._logit_cdf(x) * tf.exp(self._log_scale) + self._shift

  def _forward_log_det_jacobian(self, x):
    z = self._z(x)
    log_density = tf.reduce_logsumexp(
        self._log_weights + _log_sigmoid(z) + _log_sigmoid(-z)
        - self._log_scales, axis=-1)
    log_f, log_1mf = self._log_cdfs(x)
    return self._log_scale + log_density - log_f - log_1mf

  def _inverse(self, y):
    v = (y - self._shift) * tf.exp(-self._log_scale)     # logit(F(x)), (...)
    ends = self._means + v[..., tf.newaxis] * tf.exp(self._log_scales)
    low, high = tf.reduce_min(ends, -1), tf.reduce_max(ends, -1)

    def halve(step, low, high):
      middle = 0.5 * (low + high)
      below = self._logit_cdf(middle) < v           # the root is above
      return (step + 1, tf.where(below, middle, low),
              tf.where(below, high, middle))

    _, low, high = tf.while_loop(
        lambda k, *_: k < BISECTION_STEPS, halve,
        (tf.constant(0), low, high))
    # One Newton step from the root, which the bisection's comparisons make
    # constant: the value is unchanged (to rounding) and its gradient is the
    # implicit function's, dx/dy = 1 / g'(x), also for the parameters.
    root = tf.stop_gradient(0.5 * (low + high))
    return root - (self._forward(root) - y) * tf.exp(
        -self._forward_log_det_jacobian(root))

  def _inverse_log_det_jacobian(self, y):
    return -self._forward_log_det_jacobian(self._inverse(y))


def logistic_mixture(num_components=4):
  """The `ElementwiseFactory` of Flow++'s mixture-of-logistics CDF coupling
  with `num_components` components (module docstring). The network returns
  `logits`, `means`, `log_scales` (..., K) and `shift`, `log_scale` (...)
  per transformed entry."""
  k = checks.integer(num_components, "num_components", minimum=1)
  return elementwise.ElementwiseFactory(
      "logistic_mixture",
      ("logits", "means", "log_scales", "shift", "log_scale"),
      LogisticMixtureCDF, parameter_sizes=(k, k, k, 1, 1))
