"""Dequantization and bits/dim: the one place these formulas live.

Integer pixels x in {0, ..., L-1}^D become y = (x + u) / L with noise u in
[0, 1)^D. A density p on [0, 1]^D defines the discrete model

    P(x) = integral over [0, 1)^D of p((x + u) / L) L^-D du,

and for any density q(u | x) on [0, 1)^D (Jensen's inequality)

    -log P(x) <= E_q[-log p(y) + D log L + log q(u | x)],

so bits/dim, the bound per dimension in bits, is

    bits/dim = (-log p(y) + log q(u | x) + D log L) / (D ln 2).

Uniform noise has q = 1, log q = 0: bits/dim = -log p(y) / (D ln 2) +
log2 L, the reference's `bit_per_dim` (with L = 256) and the paper's
figures. A learned q (variational dequantization, Ho et al. 2019) tightens
the bound. K draws u_k ~ q give the importance-weighted bound (Burda et al.
2016), tighter as K grows and equal to -log P(x) in the limit:

    -log P(x) <= -log (1/K sum_k p(y_k) / q(u_k | x)) + D log L.

p(y) is the flow's density on [0, 1]^D, including the logit
preprocessing's log-det.
"""

import math

import tensorflow as tf


def dequantize(pixels, num_levels, noise):
  """(pixels + noise) / num_levels, with noise ~ U[0, 1) of the pixels' shape."""
  return (tf.cast(pixels, noise.dtype) + noise) / float(num_levels)


def bits_per_dim(log_prob, num_dims, num_levels, log_q=None):
  """bits/dim of integer data from the log-density of its dequantized version.

  Args:
    log_prob: log p(y) per example, y = dequantized pixels in [0, 1]^D.
    num_dims: D, e.g. H * W * C.
    num_levels: L, the number of pixel values (256 for 8-bit images).
    log_q: log q(u | x) of the noise per example; None for uniform noise
      (log q = 0).

  Returns:
    Tensor like `log_prob`.
  """
  if log_q is not None:
    log_prob = log_prob - log_q
  return (-log_prob / (num_dims * math.log(2.)) +
          math.log2(float(num_levels)))


def importance_weighted_bits_per_dim(log_weight_sum, num_samples, num_dims,
                                     num_levels):
  """The K-sample importance-weighted bits/dim.

  Args:
    log_weight_sum: log sum_k p(y_k) / q(u_k | x) over K = `num_samples`
      draws, per example (a running log-sum-exp keeps one draw in memory).
    num_samples: K.
    num_dims, num_levels: as in `bits_per_dim`.

  Returns:
    The bound per example; with K = 1 it is `bits_per_dim`.
  """
  log_mean = log_weight_sum - tf.math.log(
      tf.cast(num_samples, log_weight_sum.dtype))
  return bits_per_dim(log_mean, num_dims, num_levels)
