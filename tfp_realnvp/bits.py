"""Dequantization and bits/dim: the one place this formula lives.

Integer pixels x in {0, ..., L-1}^D become y = (x + u) / L, u ~ U[0, 1)^D: a
density p on [0, 1]^D then gives a discrete model P(x) >= p(y) / L^D, and

    bits/dim = (-log p(y) + D log L) / (D log 2) = -log p(y) / (D ln 2) + log2 L,

the reference's `bit_per_dim` (with L = 256). p(y) is the flow's density on
[0, 1]^D, which includes the logit preprocessing's log-det.
"""

import math

import tensorflow as tf


def dequantize(pixels, num_levels, noise):
  """(pixels + noise) / num_levels, with noise ~ U[0, 1) of the pixels' shape."""
  return (tf.cast(pixels, noise.dtype) + noise) / float(num_levels)


def bits_per_dim(log_prob, num_dims, num_levels):
  """bits/dim of integer data from the log-density of its dequantized version.

  Args:
    log_prob: log p(y) per example, y = dequantized pixels in [0, 1]^D.
    num_dims: D, e.g. H * W * C.
    num_levels: L, the number of pixel values (256 for 8-bit images).

  Returns:
    Tensor like `log_prob`.
  """
  return (-log_prob / (num_dims * math.log(2.)) +
          math.log2(float(num_levels)))
