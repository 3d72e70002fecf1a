"""The invertible 1x1 convolution (Kingma & Dhariwal 2018, *Glow*, section
3.2), in its LU form.

Forward (data -> latent), at every position, a learned C x C matrix W
mixes the channels (last axis)::

    y = x W,   W = P L (U + diag(sign * exp(log_scale)))
    log |det dy/dx| = sum_c log_scale_c  per position (times H W over an image)

P is a fixed permutation, L unit lower-triangular, U strictly upper-
triangular, `sign` fixed: the log-determinant costs O(C) instead of the
O(C^3) of a general W, and the inverse is two triangular solves. W starts
as a random rotation (the Q of a Gaussian matrix's QR, from `seed`); P and
`sign` come from its LU factorisation and are saved with the trained
factors (non-trainable weights), so a model reloads the same W whatever its
seed was.
"""

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp import checks
from tfp_realnvp.bijectors import keras_tracking
from tfp_realnvp.private_api import ps

tfb = tfp.bijectors

__all__ = ["InvertibleConv1x1", "LUFactors", "lu_factors"]


def lu_factors(matrix):
  """(P, L, U) with matrix = P @ L @ U: Doolittle with partial pivoting,
  in NumPy (a few channels: no need for a linear-algebra dependency)."""
  u = np.array(matrix, dtype=np.float64)
  n = u.shape[0]
  lower, order = np.eye(n), np.arange(n)
  for k in range(n):
    pivot = k + int(np.argmax(np.abs(u[k:, k])))
    u[[k, pivot]], order[[k, pivot]] = u[[pivot, k]], order[[pivot, k]]
    lower[[k, pivot], :k] = lower[[pivot, k], :k]
    lower[k + 1:, k] = u[k + 1:, k] / u[k, k]
    u[k + 1:] -= lower[k + 1:, k:k + 1] * u[k]
  permutation = np.eye(n)[order].T        # rows of `matrix` in pivot order
  return permutation, lower, np.triu(u)


class LUFactors(keras.layers.Layer):
  """W's factors as weights; `matrix()` and `inverse_matrix()` build W and
  W^-1 from them, `log_scale` is log |diag U|."""

  def __init__(self, num_channels, seed=None, **kwargs):
    super().__init__(**kwargs)
    self.num_channels = checks.integer(num_channels, "num_channels", 1)
    self.seed = checks.optional_integer(seed, "seed")
    rng = np.random.default_rng(self.seed)
    rotation, _ = np.linalg.qr(rng.standard_normal((self.num_channels,) * 2))
    p, l, u = lu_factors(rotation)
    diagonal = np.diag(u)
    const = lambda a: keras.initializers.Constant(np.asarray(a))
    c = self.num_channels
    add = lambda name, shape, init, trainable=True: self.add_weight(
        name=name, shape=shape, initializer=const(init), trainable=trainable)
    self.permutation = add("permutation", (c, c), p, trainable=False)
    self.sign = add("sign", (c,), np.sign(diagonal), trainable=False)
    self.lower = add("lower", (c, c), np.tril(l, -1))
    self.upper = add("upper", (c, c), np.triu(u, 1))
    self.log_scale = add("log_scale", (c,), np.log(np.abs(diagonal)))
    self.built = True

  def _triangles(self):
    eye = tf.eye(self.num_channels, dtype=self.log_scale.dtype)
    lower = tf.linalg.band_part(self.lower, -1, 0) * (1. - eye) + eye
    diagonal = self.sign * tf.exp(self.log_scale)
    upper = tf.linalg.band_part(self.upper, 0, -1) * (1. - eye) + tf.linalg.diag(
        diagonal)
    return lower, upper

  def matrix(self):
    """W (C, C)."""
    lower, upper = self._triangles()
    return tf.matmul(tf.convert_to_tensor(self.permutation),
                     tf.matmul(lower, upper))

  def inverse_matrix(self):
    """W^-1 = U^-1 L^-1 P^T (C, C), by triangular solves."""
    lower, upper = self._triangles()
    eye = tf.eye(self.num_channels, dtype=lower.dtype)
    lower_inv = tf.linalg.triangular_solve(lower, eye, lower=True)
    upper_inv = tf.linalg.triangular_solve(upper, eye, lower=False)
    return tf.matmul(upper_inv, tf.matmul(
        lower_inv, tf.convert_to_tensor(self.permutation), transpose_b=True))

  def get_config(self):
    return {**super().get_config(), "num_channels": self.num_channels,
            "seed": self.seed}


class InvertibleConv1x1(keras_tracking.KerasWeightsTracking, tfb.Bijector):
  """Glow's invertible 1x1 convolution as a bijector; see module docstring.

  Args:
    num_channels: C, the size of the last axis.
    seed: Python int or None, the initial rotation's seed.
    dtype: the dtype of inputs and weights.
    validate_args: Python `bool`.
    name: Python `str`.
  """

  def __init__(self, num_channels, seed=None, dtype=tf.float32,
               validate_args=False, name="invertible_conv1x1"):
    parameters = dict(locals())
    dtype = tf.as_dtype(dtype)
    self._factors = LUFactors(num_channels, seed, dtype=dtype.name,
                              name=f"{name}_factors")
    self._init_keras_tracking(self._factors)
    super().__init__(forward_min_event_ndims=1, is_constant_jacobian=False,
                     validate_args=validate_args, dtype=dtype,
                     parameters=parameters, name=name)

  @classmethod
  def _parameter_properties(cls, dtype):
    return dict()

  @property
  def factors(self):
    """The Keras layer holding W's factors."""
    return self._factors

  def _check(self, x):
    channels = x.shape[-1] if x.shape.rank else None
    if channels is not None and channels != self._factors.num_channels:
      raise ValueError(f"{self.name}: expects {self._factors.num_channels} "
                       f"channels (last axis); got shape {x.shape}.")

  def _mix(self, x, matrix):
    """x W at every position: one (positions, C) x (C, C) product."""
    self._check(x)
    channels = self._factors.num_channels
    flat = tf.reshape(x, [-1, channels])                # (positions, C)
    return tf.reshape(tf.matmul(flat, matrix), ps.shape(x))

  def _forward(self, x):
    return self._mix(x, self._factors.matrix())

  def _inverse(self, y):
    return self._mix(y, self._factors.inverse_matrix())

  def _forward_log_det_jacobian(self, x):
    return tf.broadcast_to(tf.reduce_sum(self._factors.log_scale),
                           ps.shape(x)[:-1])

  def _inverse_log_det_jacobian(self, y):
    return -self._forward_log_det_jacobian(y)
