"""Activation normalization (Kingma & Dhariwal 2018, *Glow*, section 3.1).

Forward (data -> latent), per channel (last axis) c, learned b_c and s_c::

    y = (x - b_c) * exp(-s_c)
    log |det dy/dx| = -sum_c s_c  per position (times H W over an image)

Data-dependent initialisation: the first forward pass in training mode (a
Keras `fit` step, or `training=True`) sets b and s to its batch's
per-channel mean and log standard deviation (over every replica's batch
under `tf.distribute`, as `batch_norm.global_moments` does), so that batch
comes out with zero mean and unit variance; from then on b and s are
ordinary trained weights. Before it (a model just built, or never trained)
the bijector is the identity. Whether it has happened is a saved weight,
`initialized`, so a resumed or reloaded model never initialises again.

Unlike the batch norm, the result never depends on the rest of the batch
after the first step, and the generative direction needs no moving
averages.
"""

import keras
import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp import private_api
from tfp_realnvp.bijectors import batch_norm
from tfp_realnvp.bijectors import greedy
from tfp_realnvp.bijectors import keras_tracking
from tfp_realnvp.private_api import ps

tfb = tfp.bijectors

__all__ = ["ActNorm", "ActNormParameters"]


class ActNormParameters(keras.layers.Layer):
  """The per-channel shift b and log-scale s, and the `initialized` flag.

  `call(x, training)` returns `(b, s)`, each (C,); the first call with
  `training=True` sets them from x's moments first.
  """

  def __init__(self, epsilon=1e-6, **kwargs):
    super().__init__(**kwargs)
    self.epsilon = float(epsilon)

  def build(self, input_shape):
    channels = input_shape[-1]
    if channels is None:
      raise ValueError(f"{self.name}: the channel (last) axis must be known.")
    # Replicas assign equal values (`global_moments`): "mean" keeps them so.
    self.shift = self.add_weight(name="shift", shape=(channels,),
                                 initializer="zeros", aggregation="mean")
    self.log_scale = self.add_weight(name="log_scale", shape=(channels,),
                                     initializer="zeros", aggregation="mean")
    # A 0/1 weight rather than a Python flag: it is saved with the model.
    self.initialized = self.add_weight(
        name="initialized", shape=(), initializer="zeros", trainable=False,
        aggregation="mean")

  def call(self, x, training=None):
    if training:
      tf.cond(self.initialized > 0., tf.no_op,
              lambda: self._initialize_from(x))
    return (tf.convert_to_tensor(self.shift),
            tf.convert_to_tensor(self.log_scale))

  def _initialize_from(self, x):
    mean, variance = batch_norm.global_moments(
        tf.stop_gradient(x), list(range(x.shape.rank - 1)))
    self.shift.assign(tf.cast(mean, self.shift.dtype))
    self.log_scale.assign(
        tf.cast(0.5 * tf.math.log(variance + self.epsilon), self.shift.dtype))
    self.initialized.assign(tf.ones_like(self.initialized))
    return tf.no_op()

  def get_config(self):
    return {**super().get_config(), "epsilon": self.epsilon}


class ActNorm(greedy.GreedyLogDet, keras_tracking.KerasWeightsTracking,
              tfb.Bijector):
  """Glow's ActNorm as a bijector, see the module docstring.

  Args:
    dtype: the dtype of inputs and weights (float32; float64 for exact
      tests). Channels come from the first input.
    validate_args: Python `bool`.
    name: Python `str`.

  Call-time keyword argument `training` (forward only): `True` allows the
  data-dependent initialisation; `None` follows the Keras call context.
  """

  _cache = private_api.TrainingModeGreedyCache()

  def __init__(self, dtype=tf.float32, validate_args=False, name="actnorm"):
    parameters = dict(locals())
    dtype = tf.as_dtype(dtype)
    self._parameters_layer = ActNormParameters(dtype=dtype.name,
                                               name=f"{name}_parameters")
    self._init_keras_tracking(self._parameters_layer)
    super().__init__(forward_min_event_ndims=1, validate_args=validate_args,
                     dtype=dtype, parameters=parameters, name=name)

  @classmethod
  def _parameter_properties(cls, dtype):
    return dict()

  @property
  def parameters_layer(self):
    """The Keras layer holding b, s and `initialized`."""
    return self._parameters_layer

  def _log_det(self, log_scale, like):
    """-sum_c s_c, broadcast to batch + event[:-1]."""
    return tf.broadcast_to(-tf.reduce_sum(log_scale), ps.shape(like)[:-1])

  def _augmented_forward(self, x, training=None):
    if x.shape.rank is not None and x.shape.rank < 1:
      raise ValueError(f"{self.name}: expects inputs with a channel axis; got "
                       f"shape {x.shape}.")
    shift, log_scale = self._parameters_layer(x, training=bool(training))
    self._track_keras_weights()
    fldj = self._log_det(log_scale, x)
    return (x - shift) * tf.exp(-log_scale), {"fldj": fldj, "ildj": -fldj}

  def _augmented_inverse(self, y, training=None):
    del training  # the generative direction never initialises
    shift, log_scale = self._parameters_layer(y, training=False)
    self._track_keras_weights()
    fldj = self._log_det(log_scale, y)
    return y * tf.exp(log_scale) + shift, {"fldj": fldj, "ildj": -fldj}
