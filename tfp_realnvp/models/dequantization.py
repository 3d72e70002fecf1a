"""Dequantization noise u in [0, 1)^D for integer pixels x, and its density.

An image model scores y = (x + u) / L and reports the bound of `bits.py`,
which needs log q(u | x), the noise's log-density. Both dequantizers give

    sample_and_log_prob(pixels, seed) -> (u, log_q)

with `pixels` int (N, H, W, C), `seed` a (2,) int stateless seed, `u` of the
pixels' shape and `log_q` (N,), or None for log q = 0.

* `UniformDequantizer`: u ~ U[0, 1)^D, q = 1 (the paper's).
* `VariationalDequantizer`: Flow++'s variational dequantization (Ho et al.
  2019, section 3.1), a flow conditioned on x trained with the model:

      eps ~ N(0, I)                                   (N, H, W, C)
      c = ContextResNet(x / (L - 1) - 1/2)            (N, H, W, F)
      z = g_K(... g_1(eps; c) ...; c)                 checkerboard couplings
      u = sigmoid(z)

      log q(u | x) = log N(eps; 0, I) - sum_k log|det dg_k/d.|
                     - sum_d log sigmoid'(z_d),

  with sigmoid'(z) = sigmoid(z) (1 - sigmoid(z)); every log-det is the
  bijectors' own (`forward_log_det_jacobian`), exact. Minimising the bound
  over q as well as p closes part of the gap between the uniform bound and
  -log P(x) (`bits.py`).
"""

import math

import keras
import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp import bijectors as rnvp_bijectors
from tfp_realnvp.bijectors import tree
from tfp_realnvp.models import networks

tfb = tfp.bijectors

__all__ = ["KINDS", "UniformDequantizer", "VariationalDequantizer", "make"]

KINDS = ("uniform", "variational")


class UniformDequantizer:
  """u ~ U[0, 1)^D; log q = 0 (returned as None). No weights."""

  kind = "uniform"

  def trained_parts(self):
    return []

  def sample_and_log_prob(self, pixels, seed, dtype=tf.float32):
    return tf.random.stateless_uniform(tf.shape(pixels), seed,
                                       dtype=dtype), None


@keras.saving.register_keras_serializable("tfp_realnvp")
class VariationalDequantizer(keras.layers.Layer):
  """q(u | x): a conditional flow from N(0, I) to [0, 1)^D; module docstring.

  Args:
    image_shape: (H, W, C) of the pixels.
    num_levels: L.
    num_filters: feature maps of the context network and of each
      coupling's network.
    num_res_blocks: residual blocks of each of those networks.
    num_couplings: checkerboard couplings (alternating parities).
    **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).
  """

  kind = "variational"

  def __init__(self, image_shape, num_levels, num_filters=16,
               num_res_blocks=1, num_couplings=4, **kwargs):
    super().__init__(**kwargs)
    self.image_shape = tuple(int(d) for d in image_shape)
    self.num_levels = int(num_levels)
    self.num_filters = int(num_filters)
    self.num_res_blocks = int(num_res_blocks)
    self.num_couplings = int(num_couplings)
    channels = self.image_shape[-1]
    self.context_net = networks.ContextResNet(
        num_filters, num_res_blocks, dtype=self.dtype_policy,
        name="context_net")
    couplings = [
        rnvp_bijectors.CheckerboardAffineCoupling(
            i % 2, networks.CouplingResNet(
                channels, num_filters, num_res_blocks, mask_channel=True,
                dtype=self.dtype_policy, name=f"q_coupling_net_{i}"),
            name=f"q_coupling_{i}")
        for i in range(self.num_couplings)]
    # eps -> u: Chain applies its last bijector first.
    self._flow = tfb.Chain([tfb.Sigmoid()] + couplings[::-1], name="q_flow")
    self.coupling_networks = tree.networks(self._flow)
    self.build((None,) + self.image_shape)

  def build(self, pixels_shape):
    """Creates every weight (one pass on zeros), so the layer is complete
    after construction."""
    del pixels_shape
    self.sample_and_log_prob(tf.zeros((1,) + self.image_shape, tf.int32),
                             tf.zeros([2], tf.int32),
                             dtype=tf.as_dtype(self.variable_dtype))
    self.built = True

  @property
  def flow(self):
    """The bijector eps -> u; its couplings take `context=` (`flow_kwargs`)."""
    return self._flow

  def flow_kwargs(self, context):
    """The flow's keyword arguments for `context` (N, H, W, F)."""
    return rnvp_bijectors.route_kwargs(
        self._flow, {rnvp_bijectors.Coupling: {"context": context}})

  def context(self, pixels):
    """Features of the pixels the flow is conditioned on, (N, H, W, F)."""
    x = tf.cast(pixels, self.compute_dtype)
    return self.context_net(x / float(self.num_levels - 1) - 0.5)

  def trained_parts(self):
    """The context network and the flow it conditions (`tree.l2_weights`)."""
    return [self.context_net, self._flow]

  def sample_and_log_prob(self, pixels, seed, dtype=tf.float32):
    eps = tf.random.stateless_normal(tf.shape(pixels), seed, dtype=dtype)
    kwargs = self.flow_kwargs(self.context(pixels))
    u = self._flow.forward(eps, **kwargs)
    # Read from the bijectors' cache: the forward pass computed it.
    log_det = self._flow.forward_log_det_jacobian(eps, event_ndims=3,
                                                  **kwargs)
    return u, standard_normal_log_prob(eps) - log_det

  def get_config(self):
    return {**super().get_config(), "image_shape": self.image_shape,
            "num_levels": self.num_levels, "num_filters": self.num_filters,
            "num_res_blocks": self.num_res_blocks,
            "num_couplings": self.num_couplings}


def standard_normal_log_prob(eps):
  """log N(eps; 0, I) summed over the event (H, W, C): (N,)."""
  return tf.reduce_sum(-0.5 * tf.square(eps) - 0.5 * math.log(2. * math.pi),
                       axis=[-3, -2, -1])


def make(kind, image_shape, num_levels, num_filters, dtype=None):
  """The dequantizer `kind` ("uniform" or "variational") of an image model
  with `num_filters` feature maps: a variational one has half of them (at
  least 8), one residual block per network and four couplings."""
  if kind == "uniform":
    return UniformDequantizer()
  if kind == "variational":
    return VariationalDequantizer(image_shape, num_levels,
                                  num_filters=max(8, num_filters // 2),
                                  dtype=dtype, name="dequantizer")
  raise ValueError(f"Unknown dequantization {kind!r}; choose one of "
                   f"{', '.join(KINDS)}.")
