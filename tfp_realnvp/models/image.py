"""The multi-scale Real NVP image model (Dinh et al. 2017) as a Keras 3 model.

`RealNVP(image_shape, ...)` is a density on [0, 1]^(H x W x C):

    model.bijector      latent (H, W, C) -> data in [0, 1]: tfb.Invert of
                        Chain([multi-scale flow, LogitTransform(alpha)])
    model.distribution  TransformedDistribution(Normal(0, 1)^(H W C), bijector)

`call(pixels)` (and so `fit`, `evaluate`, `predict`) takes integer pixels in
{0, ..., num_levels - 1}, dequantizes them with fresh uniform noise and
returns bits/dim per image (`bits.py`); a class-conditional model takes
`{"x": pixels, "label": labels}`.
"""

import math

import keras
import numpy as np
import tensorflow as tf

from tfp_realnvp import bits
from tfp_realnvp import bijectors as rnvp_bijectors
from tfp_realnvp import figures
from tfp_realnvp.models import base
from tfp_realnvp.models import checks
from tfp_realnvp.models import multiscale
from tfp_realnvp.models import networks
from tfp_realnvp.models import presets

tfb = base.tfb


@keras.saving.register_keras_serializable("tfp_realnvp")
class RealNVP(base.FlowModel):
  """Multi-scale Real NVP for images; see the module docstring.

  Args:
    image_shape: (H, W, C).
    num_scales: scales of the multi-scale architecture (`multiscale.py`).
    num_res_blocks: residual blocks per coupling network.
    num_filters: feature maps of the first scale's checkerboard networks.
    num_levels: pixel values, 256 for 8-bit images.
    alpha: the logit transform's alpha (0.05).
    num_classes: if set, a class-conditional model.
    l2_coeff: L2 penalty on weight-norm gains and checkerboard tanh scales.
    dropout: dropout rate in the networks' residual blocks under `fit`
      (not in the paper; 0 by default).
    seed: seed of the dequantization noise of `call` (`fit`, `evaluate`,
      `predict`); None draws one from Keras' global seed
      (`keras.utils.set_random_seed`).
    **kwargs: `keras.Model` arguments (`name`, `dtype`).
  """

  metric_name = "bits_per_dim"
  data_name = "images"
  sample_key = "images"

  def __init__(self, image_shape, num_scales=2, num_res_blocks=2,
               num_filters=32, num_levels=256, alpha=0.05, num_classes=None,
               l2_coeff=5e-5, dropout=0., seed=None, **kwargs):
    super().__init__(l2_coeff=l2_coeff, num_classes=num_classes, **kwargs)
    image_shape = tuple(int(d) for d in image_shape)
    multiscale.validate(image_shape, num_scales)
    self.image_shape = image_shape
    self.num_scales = int(num_scales)
    self.num_res_blocks = int(num_res_blocks)
    self.num_filters = int(num_filters)
    self.num_levels = int(num_levels)
    self.alpha = float(alpha)
    self.dropout = float(dropout)
    self.seed = None if seed is None else int(seed)
    if self.num_levels < 2:
      raise ValueError(f"num_levels must be >= 2; got {num_levels}.")

    nets, batch_norms = [], []

    def make_network(spec):
      net = networks.CouplingResNet(
          spec.out_channels, spec.num_filters, self.num_res_blocks,
          mask_channel=spec.mask_channel, num_classes=self.num_classes,
          penalize_scale=spec.penalize_scale, dropout=self.dropout,
          dtype=self.dtype_policy, name=f"coupling_net_{spec.index}")
      nets.append(net)
      return net

    def make_batch_norm():
      bn = rnvp_bijectors.BatchNormalization(
          dtype=self.flow_dtype, name=f"batch_norm_{len(batch_norms)}")
      batch_norms.append(bn)
      return bn

    encoder = tfb.Chain([
        multiscale.multiscale_encoder(image_shape, self.num_scales,
                                      self.num_filters, make_network,
                                      make_batch_norm),
        rnvp_bijectors.LogitTransform(self.alpha),
    ], name="encoder")
    self._set_flow(encoder, image_shape, nets, batch_norms)
    self._noise_seed = keras.random.SeedGenerator(self.seed)
    self._build_flow()

  @classmethod
  def from_preset(cls, name, **overrides):
    """A model with the architecture of `presets.PRESETS[name]`."""
    return cls(**presets.preset(name, **overrides))

  @property
  def loss_units_per_nat(self):
    return 1. / (self.num_dims * math.log(2.))  # the loss is in bits/dim

  @property
  def num_dims(self):
    return int(np.prod(self.image_shape))

  def _build_flow(self):
    """Creates every weight now, so the model is complete after construction."""
    pixels = tf.zeros((1,) + self.image_shape, tf.int32)
    inputs = pixels if self.num_classes is None else {
        "x": pixels, "label": tf.zeros((1,), tf.int32)}
    self(inputs, training=False)

  # -- bits/dim -------------------------------------------------------------

  def call(self, inputs, training=None):
    """bits/dim of integer pixels, with fresh dequantization noise."""
    pixels, label = self._split_inputs(inputs)
    return self._bits_per_dim(pixels, label, self._dequantization_noise(
        tf.shape(pixels)))

  def _dequantization_noise(self, shape):
    """U[0, 1) noise from the model's seed generator; under tf.distribute
    each replica folds its id into the seed, so replicas draw different noise."""
    seed = self._noise_seed.next()                      # (2,) int
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
      seed = seed + tf.cast(
          tf.stack([context.replica_id_in_sync_group, 0]), seed.dtype)
    return tf.random.stateless_uniform(shape, seed, dtype=self.flow_dtype)

  def _bits_per_dim(self, pixels, label, noise):
    y = bits.dequantize(pixels, self.num_levels, noise)  # in [0, 1]
    return bits.bits_per_dim(self.log_prob(y, label), self.num_dims,
                             self.num_levels)

  def bits_per_dim(self, pixels, label=None, seed=None):
    """bits/dim per image of integer `pixels` (batch + image_shape).

    Dequantizes with uniform noise (stateless if `seed` is given) and uses
    the moving batch-norm averages. Wrong shapes, non-integer or
    out-of-range pixels raise (`checks.py`), also inside a traced function.
    """
    pixels = tf.convert_to_tensor(pixels)
    checks.check_event_shape(pixels, self.image_shape, "pixels")
    pixels = checks.checked_pixels(pixels, self.num_levels)
    if seed is None:
      noise = tf.random.uniform(tf.shape(pixels), dtype=self.flow_dtype)
    else:
      noise = tf.random.stateless_uniform(tf.shape(pixels), [int(seed), 1],
                                          dtype=self.flow_dtype)
    return self._bits_per_dim(pixels, label, noise)

  def sample(self, n, temperature=1.0, seed=None, label=None):
    """`n` images in [0, 1], shape (n,) + image_shape."""
    images = super().sample(n, temperature, seed, label)
    return tf.clip_by_value(images, 0., 1.)

  # -- what a run shows and serves --------------------------------------------

  def sample_figure(self, num_samples, temperature=1.0, seed=0):
    """A grid of `num_samples` sampled images."""
    return figures.grid(self.sample(num_samples, temperature,
                                    seed=seed).numpy())

  def extra_figures(self, seed=0):
    """The paper's manifold figure (section 5), `latent_manifold`."""
    return {"manifold": figures.grid(self.latent_manifold(seed), columns=8)}

  def latent_manifold(self, seed=0, size=8):
    """Decodes z(u, v) = cos(u) (cos(v) z1 + sin(v) z2) + sin(u) (cos(v) z3 +
    sin(v) z4), u, v in [0, pi/2] on a `size` x `size` grid: four latents at
    the corners, the Normal's norm kept in between. Images (size**2, H, W, C)."""
    z = self.sample_latent(4, seed=seed)
    angles = np.linspace(0., np.pi / 2., size)
    u, v = np.meshgrid(angles, angles, indexing="ij")
    u, v = u.reshape(-1, 1, 1, 1), v.reshape(-1, 1, 1, 1)
    grid = (np.cos(u) * (np.cos(v) * z[0] + np.sin(v) * z[1]) +
            np.sin(u) * (np.cos(v) * z[2] + np.sin(v) * z[3]))
    return tf.clip_by_value(self.decode(tf.constant(grid, self.flow_dtype)),
                            0., 1.).numpy()

  def export_signatures(self):
    """`log_prob(images)`, `sample(...)` -> {"images"} (`FlowModel`), and
    `bits_per_dim(pixels[, labels])` of int32 pixels with fresh noise."""
    signatures = super().export_signatures()

    def bits_per_dim(pixels, labels=None):
      pixels = checks.asserted_event_shape(pixels, self.image_shape, "pixels")
      return {"bits_per_dim": self.bits_per_dim(pixels, labels)}

    signatures["bits_per_dim"] = tf.function(bits_per_dim, input_signature=[
        tf.TensorSpec((None,) + self.image_shape, tf.int32, name="pixels")
    ] + self._label_specs())
    return signatures

  def get_config(self):
    return {**super().get_config(), "image_shape": self.image_shape,
            "num_scales": self.num_scales,
            "num_res_blocks": self.num_res_blocks,
            "num_filters": self.num_filters, "num_levels": self.num_levels,
            "alpha": self.alpha, "dropout": self.dropout, "seed": self.seed}
