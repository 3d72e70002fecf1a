"""The batch-normalization bijector (Dinh et al. 2017, section 3.7, eqs. 17-18).

Forward (data -> latent), per channel (last axis) c::

    y = (x - mu_c) / sqrt(var_c + eps)
    log |det dy/dx| = -1/2 * sum over entries of log(var_c + eps)

No learned gamma or beta (the reference's `batch_norm_log_diff`); eps = 1e-4;
moving averages with momentum 0.9 (moving = 0.9 * moving + 0.1 * batch).

Which statistics:
  * `forward` while Keras trains (the Keras call context has `training=True`,
    or `training=True` is passed explicitly): the moments of the batch over
    every axis but the last, with gradients flowing through them; the moving
    averages are updated from them (once per batch: the log-det comes from
    the same computation through TFP's greedy-attrs cache);
  * `forward` otherwise (evaluation, prediction): the moving averages;
  * `inverse` (the generative direction): always the moving averages.

The mode is part of TFP's cache key: a call that does not pass `training`
gets the Keras context's mode written into its keyword arguments before the
cache is consulted (`private_api.TrainingModeGreedyCache`). So the same tensor
evaluated while training and then in inference is computed twice, with the
batch moments and then with the moving averages, never served the other's
result.

The moving averages are non-trainable weights of a small Keras layer,
`BatchStatistics`, which a Keras model owning it saves and restores with the
rest of its weights.

Under `tf.distribute` with several replicas, the batch moments are those of
the global batch: each replica sums its entries, the sums are all-reduced,
and the squared deviations from the global mean are all-reduced in a second
pass (`global_moments`). Every replica therefore normalises with the same
statistics a single device would compute on the whole batch, the loss and
log-det are those of the single-device model, and the moving averages stay
identical on every replica (they are aggregated by mean, a no-op on equal
values). Per-replica statistics would instead make the density depend on
how the batch is split.

Difference from the reference: the reference applies this normalisation after
a checkerboard coupling to the transformed entries only, with statistics that
include the zeroed kept entries. Here it normalises every entry of its input
with the statistics of that input, a plain per-channel affine bijection.
"""

import keras
import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp import checks
from tfp_realnvp import private_api
from tfp_realnvp.bijectors import greedy
from tfp_realnvp.bijectors import keras_tracking
from tfp_realnvp.private_api import ps

tfb = tfp.bijectors

__all__ = ["BatchNormalization", "BatchStatistics", "global_moments"]


def global_moments(x, axes):
  """Mean and variance of `x` over `axes` and, in a replica context of several
  replicas, over every replica's `x` (two passes: the exact statistics of the
  concatenated batch, as precise as `tf.nn.moments`). Differentiable."""
  context = tf.distribute.get_replica_context()
  if context is None or context.num_replicas_in_sync == 1:
    return tf.nn.moments(x, axes=axes)
  total = lambda t: context.all_reduce(tf.distribute.ReduceOp.SUM, t)
  count = total(tf.cast(tf.reduce_prod(tf.gather(tf.shape(x), axes)), x.dtype))
  mean = total(tf.reduce_sum(x, axis=axes)) / count
  variance = total(tf.reduce_sum(tf.square(x - mean), axis=axes)) / count
  return mean, variance


class BatchStatistics(keras.layers.Layer):
  """Per-channel batch moments while training, moving averages otherwise.

  `call(x, training)` returns `(mean, variance)`, each of shape (C,).
  """

  def __init__(self, momentum=0.9, **kwargs):
    super().__init__(**kwargs)
    self.momentum = float(momentum)

  def build(self, input_shape):
    channels = input_shape[-1]
    if channels is None:
      raise ValueError(f"{self.name}: the channel (last) axis must be known.")
    # Replicas assign equal values (`global_moments`): "mean" keeps them so.
    self.moving_mean = self.add_weight(
        name="moving_mean", shape=(channels,), initializer="zeros",
        trainable=False, aggregation="mean")
    self.moving_variance = self.add_weight(
        name="moving_variance", shape=(channels,), initializer="ones",
        trainable=False, aggregation="mean")

  def call(self, x, training=None):
    if not training:
      return self.moving_statistics()
    mean, variance = global_moments(x, list(range(x.shape.rank - 1)))
    m = self.momentum
    self.moving_mean.assign(
        m * self.moving_mean + (1. - m) * tf.stop_gradient(mean))
    self.moving_variance.assign(
        m * self.moving_variance + (1. - m) * tf.stop_gradient(variance))
    return mean, variance

  def moving_statistics(self):
    return (tf.convert_to_tensor(self.moving_mean),
            tf.convert_to_tensor(self.moving_variance))

  def get_config(self):
    return {**super().get_config(), "momentum": self.momentum}


class BatchNormalization(greedy.GreedyLogDet,
                         keras_tracking.KerasWeightsTracking, tfb.Bijector):
  """Batch normalization as a bijector, see the module docstring.

  Args:
    momentum: Python float, the moving averages' momentum (0.9).
    epsilon: Python float added to the variance (1e-4).
    dtype: the dtype of inputs and statistics (float32; float64 for exact
      tests). The statistics stay in this dtype under mixed precision.
    validate_args: Python `bool`.
    name: Python `str`.

  Call-time keyword argument `training` (forward only): `True` for batch
  statistics, `False` for moving averages, `None` (default) to follow the
  Keras call context (False outside any Keras call).
  """

  _cache = private_api.TrainingModeGreedyCache()

  def __init__(self, momentum=0.9, epsilon=1e-4, dtype=tf.float32,
               validate_args=False, name="batch_normalization"):
    parameters = dict(locals())
    dtype = tf.as_dtype(dtype)
    momentum = checks.number(momentum, "momentum", minimum=0, below=1)
    self._epsilon = checks.number(epsilon, "epsilon", above=0)
    self._statistics = BatchStatistics(
        momentum=momentum, dtype=dtype.name, name=f"{name}_statistics")
    self._init_keras_tracking(self._statistics)
    super().__init__(
        forward_min_event_ndims=1,
        validate_args=validate_args,
        dtype=dtype,
        parameters=parameters,
        name=name)

  @classmethod
  def _parameter_properties(cls, dtype):
    return dict()

  @property
  def statistics(self):
    """The Keras layer holding the moving averages."""
    return self._statistics

  def _log_scale(self, variance, like):
    """-1/2 log(var + eps) summed over channels, broadcast to batch + event[:-1]."""
    total = -0.5 * tf.reduce_sum(tf.math.log(variance + self._epsilon))
    return tf.broadcast_to(total, ps.shape(like)[:-1])

  def _augmented_forward(self, x, training=None):
    if x.shape.rank is not None and x.shape.rank < 1:
      raise ValueError(f"{self.name}: expects inputs with a channel axis; got "
                       f"shape {x.shape}.")
    # The cache has made `training` explicit (module docstring).
    mean, variance = self._statistics(x, training=bool(training))
    self._track_keras_weights()
    y = (x - mean) * tf.math.rsqrt(variance + self._epsilon)
    fldj = self._log_scale(variance, x)
    return y, {"fldj": fldj, "ildj": -fldj}

  def _augmented_inverse(self, y, training=None):
    del training  # the generative direction always uses the moving averages
    if not self._statistics.built:
      self._statistics.build(y.shape)
      self._track_keras_weights()
    mean, variance = self._statistics.moving_statistics()
    x = y * tf.sqrt(variance + self._epsilon) + mean
    fldj = self._log_scale(variance, y)
    return x, {"fldj": fldj, "ildj": -fldj}
