"""The layers of the s/t networks: the weight-normalised conv, a fused batch
norm, and `Container`, a fixed group of layers (a residual block).

Weight normalisation (Salimans & Kingma 2016) as in the reference: kernel
`v ~ U[-sigma, sigma]`, `sigma = sqrt(2 / fan_in_channels)`, normalised per
output filter; learned per-filter gains named `magnitude`.

The networks' batch norm is Keras' (`reference_batch_norm`: the
reference's settings), trained through TensorFlow's fused kernel on images.
"""

import math
import re

import keras
import tensorflow as tf

__all__ = ["WeightNormConv2D", "BatchNormalization", "reference_batch_norm",
           "Container"]


class WeightNormConv2D(keras.layers.Layer):
  """2-D convolution with a weight-normalised kernel, 'same' padding.

  Args:
    filters: output channels.
    kernel_size: int.
    use_bias: add a bias (initialised to 0).
    use_gain: multiply each unit-norm filter by a learned `magnitude`;
      without it, the filters have unit norm.
    zero_gain: start the gains at 0 (the layer outputs its bias).
  """

  def __init__(self, filters, kernel_size, use_bias=True, use_gain=True,
               zero_gain=False, **kwargs):
    super().__init__(**kwargs)
    self.filters = int(filters)
    self.kernel_size = int(kernel_size)
    self.use_bias = use_bias
    self.use_gain = use_gain
    self.zero_gain = zero_gain

  def build(self, input_shape):
    fan_in = int(input_shape[-1])
    k = self.kernel_size
    sigma = math.sqrt(2. / fan_in)
    self.kernel = self.add_weight(
        name="kernel", shape=(k, k, fan_in, self.filters),
        initializer=keras.initializers.RandomUniform(-sigma, sigma))
    if self.use_gain:
      init = 0. if self.zero_gain else sigma * math.sqrt(fan_in * k * k / 12.)
      self.magnitude = self.add_weight(
          name="magnitude", shape=(self.filters,),
          initializer=keras.initializers.Constant(init))
    if self.use_bias:
      self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                  initializer="zeros")

  def call(self, x):
    y = tf.nn.conv2d(x, self.normalized_kernel(), strides=1, padding="SAME")
    if self.use_bias:
      y = tf.nn.bias_add(y, self.bias)
    return y

  def normalized_kernel(self):
    """The kernel (k, k, C_in, filters): unit-norm filters times the gains."""
    v = tf.convert_to_tensor(self.kernel)
    scale = tf.math.rsqrt(tf.reduce_sum(tf.square(v), axis=[0, 1, 2]) + 1e-12)
    if self.use_gain:
      scale = scale * self.magnitude        # (filters,): one product per filter
    return v * scale

  def get_config(self):
    return {**super().get_config(), "filters": self.filters,
            "kernel_size": self.kernel_size, "use_bias": self.use_bias,
            "use_gain": self.use_gain, "zero_gain": self.zero_gain}


class BatchNormalization(keras.layers.BatchNormalization):
  """`keras.layers.BatchNormalization`, trained in one kernel on images.

  The same layer, weights and results; while training on a float32 4-D
  (N, H, W, C) input on one replica, the batch moments, normalisation and
  their gradients run as TensorFlow's fused batch-norm kernel instead of
  Keras' dozen elementwise operations and reductions (the networks hold 100
  of them at the digits size: a fifth of a small model's step). The fused
  kernel reports the Bessel-corrected variance; the moving average is
  updated with the biased one, as Keras does. (The class keeps Keras' name:
  the weights files of the networks address their layers by class name.)
  """

  def call(self, inputs, training=None, mask=None):
    # `renorm` exists from Keras 3.14 on; before it, there is none.
    if not (training and self.trainable and mask is None and
            not self.synchronized and not getattr(self, "renorm", False) and
            inputs.shape.rank == 4 and inputs.dtype == tf.float32 and
            self.axis in (-1, 3) and self.moving_mean.dtype == tf.float32):
      return super().call(inputs, training=training, mask=mask)
    ones = tf.ones_like(tf.convert_to_tensor(self.moving_mean))  # (C,)
    gamma = tf.convert_to_tensor(self.gamma) if self.scale else ones
    beta = tf.convert_to_tensor(self.beta) if self.center else tf.zeros_like(ones)
    y, mean, corrected, = tf.compat.v1.nn.fused_batch_norm(
        inputs, gamma, beta, epsilon=self.epsilon, is_training=True)
    count = inputs.shape[:-1].num_elements()      # None if not static
    if count is None:
      count = tf.cast(tf.reduce_prod(tf.shape(inputs)[:-1]), inputs.dtype)
      variance = corrected * tf.maximum(count - 1., 1.) / count
    else:
      variance = corrected * (max(count - 1, 1) / count)        # biased
    m = self.momentum
    self.moving_mean.assign(self.moving_mean * m + mean * (1. - m))
    self.moving_variance.assign(self.moving_variance * m + variance * (1. - m))
    return y


def reference_batch_norm(dtype):
  """The reference's in-network batch norm: no gamma, eps 1e-4, momentum 0.9.

  Created under a `tf.distribute` strategy of several replicas, it uses the
  global batch's statistics (Keras' `synchronized`), as the flow's batch-norm
  bijectors do, so a replicated model computes what one device would.
  """
  strategy = tf.distribute.get_strategy()
  return BatchNormalization(
      momentum=0.9, epsilon=1e-4, scale=False, dtype=dtype,
      synchronized=strategy.num_replicas_in_sync > 1)


def _snake_case(class_name):
  """`WeightNormConv2D` -> `weight_norm_conv2d`: how Keras' weights files
  name a layer held in a list (by its class, not its own name)."""
  name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
  return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Container(keras.layers.Layer):
  """Layers in a fixed order (`parts()`), such as one residual block.

  A network keeps its blocks as a list of these rather than a list of
  lists: Keras 3.7 to 3.14 save no layer of a list inside a list (a saved
  model reloads with those weights at their initial values, another
  density, without a word); Keras 3.15 saves them under
  `<list>/container[_k]/<class name>[_j]`. This layer holds its parts as
  attributes of exactly those names (hence the class name), so every
  Keras version writes and reads that layout, and the files written with
  nested lists load as they were.
  """

  def __init__(self, layers, **kwargs):
    super().__init__(**kwargs)
    counts, names = {}, []
    for layer in layers:
      base = _snake_case(type(layer).__name__)
      counts[base] = counts.get(base, -1) + 1
      names.append(f"{base}_{counts[base]}" if counts[base] else base)
      setattr(self, names[-1], layer)
    self._part_names = tuple(names)
    # Nothing of its own to build; its parts build when they are called (a
    # never-built container would make Keras warn about its parent).
    self.built = True

  def parts(self):
    """The layers, in the order they were given."""
    return [getattr(self, name) for name in self._part_names]
