"""The rational-quadratic spline as a coupling's inner transformation
(Durkan et al. 2019, *Neural Spline Flows*, section 3.1).

On [-B, B], K bins of widths w_k and heights h_k (positive, each set summing
to 2B) join knots (x_k, y_k) with derivatives d_k > 0 (d_0 = d_K = 1); in
bin k, with s_k = h_k / w_k and xi = (x - x_k) / w_k in [0, 1]::

    g(x) = y_k + h_k (s_k xi^2 + d_k xi (1 - xi))
                 / (s_k + (d_{k+1} + d_k - 2 s_k) xi (1 - xi))

monotone, with a closed-form inverse (a quadratic's root) and derivative;
outside [-B, B], g(x) = x. TFP's `tfb.RationalQuadraticSpline` computes
exactly this (forward, inverse, log-derivative), so `spline()` wraps it.

The network's raw outputs per transformed entry (3K - 1 of them) map to the
spline as nflows and TFP's docstring do:

    widths  = min_w + (2B - K min_w) softmax(raw_widths)         (K,)
    heights = min_w + (2B - K min_w) softmax(raw_heights)        (K,)
    slopes  = min_d + softplus(raw_slopes + c)                   (K - 1,)

with c = log(exp(1 - min_d) - 1), so that all-zero outputs give equal bins
and unit slopes: the identity, `elementwise.py`'s contract.
"""

import math

import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp import checks
from tfp_realnvp.bijectors import elementwise

tfb = tfp.bijectors

__all__ = ["spline", "MIN_BIN_SIZE", "MIN_SLOPE"]

MIN_BIN_SIZE = 1e-3   # nflows' DEFAULT_MIN_BIN_WIDTH / HEIGHT
MIN_SLOPE = 1e-3      # nflows' DEFAULT_MIN_DERIVATIVE


def _bins(raw, bound, num_bins):
  """Positive sizes summing to 2 * bound; equal for raw = 0. (..., K)."""
  free = 2. * bound - num_bins * MIN_BIN_SIZE
  return MIN_BIN_SIZE + free * tf.exp(_log_softmax(raw))


def _log_softmax(raw):
  """log softmax over the last axis, at any rank (TensorFlow's CPU kernel
  takes rank <= 5: an image coupling's parameters under two batch axes
  have rank 6)."""
  return raw - tf.reduce_logsumexp(raw, axis=-1, keepdims=True)


def _slopes(raw):
  """Positive interior derivatives; 1 for raw = 0. (..., K - 1)."""
  offset = math.log(math.expm1(1. - MIN_SLOPE))
  return MIN_SLOPE + tf.math.softplus(raw + offset)


def spline(num_bins=8, bound=3.):
  """The `ElementwiseFactory` of a rational-quadratic spline on
  [-bound, bound] with `num_bins` bins, identity outside (module docstring).

  The network returns `widths` (..., K), `heights` (..., K) and `slopes`
  (..., K - 1) per transformed entry, unconstrained.
  """
  num_bins = checks.integer(num_bins, "num_bins", minimum=2)
  bound = checks.number(bound, "bound", above=0)
  if 2. * bound <= num_bins * MIN_BIN_SIZE:
    raise ValueError(f"spline: bound {bound} is too small for {num_bins} bins "
                     f"of at least {MIN_BIN_SIZE}; raise bound.")

  def make(widths, heights, slopes):
    return tfb.RationalQuadraticSpline(
        _bins(widths, bound, num_bins), _bins(heights, bound, num_bins),
        _slopes(slopes), range_min=-bound)

  return elementwise.ElementwiseFactory(
      "spline", ("widths", "heights", "slopes"), make,
      parameter_sizes=(num_bins, num_bins, num_bins - 1))
