"""The multi-scale Real NVP image model (Dinh et al. 2017) as a Keras 3 model.

`RealNVP(image_shape, ...)` is a density on [0, 1]^(H x W x C):

    model.bijector      latent (H, W, C) -> data in [0, 1]: tfb.Invert of
                        Chain([multi-scale flow, LogitTransform(alpha)])
    model.distribution  TransformedDistribution(Normal(0, 1)^(H W C), bijector)

`call(pixels)` (and so `fit`, `evaluate`, `predict`) takes integer pixels in
{0, ..., num_levels - 1}, dequantizes them with fresh noise, uniform or
from a learned q(u | x) (`dequantization.py`), and returns the bits/dim
bound per image (`bits.py`); a conditional model takes
`{"x": pixels, "label": labels}` and/or `{"x": ..., "condition": c}`
(`inputs.py`, `conditioning.py`). `importance_weighted_bits_per_dim` gives
the tighter K-sample bound (over a data set: `scoring.py`).
"""

import math

import keras
import numpy as np
import tensorflow as tf

from tfp_realnvp import bits
from tfp_realnvp import bijectors as rnvp_bijectors
from tfp_realnvp.models import seeds
from tfp_realnvp.models import onednn_safe
from tfp_realnvp.models import base
from tfp_realnvp.models import conditioning
from tfp_realnvp import checks
from tfp_realnvp.models import dequantization as dequantization_lib
from tfp_realnvp.models import flow_parts
from tfp_realnvp.models import kinds
from tfp_realnvp.models import networks
from tfp_realnvp.models import presets
from tfp_realnvp.models.settings import Setting
from tfp_realnvp.models.settings import Settings

tfb = base.tfb


@keras.saving.register_keras_serializable("tfp_realnvp")
class RealNVP(base.FlowModel):
  """Multi-scale Real NVP for images; see the module docstring.

  The constructor's arguments are `SETTINGS` (listed below with their
  rules, made from that list); `**kwargs` are `keras.Model`'s (`name`,
  `dtype`).
  """

  metric_name = "bits_per_dim"
  kind = kinds.IMAGE
  SETTINGS = base.FlowModel.SETTINGS + Settings(
      Setting("image_shape", checks.Rule("any"), "(H, W, C) of the images."),
      Setting("num_scales", checks.Rule("integer", minimum=1),
              "Scales of the multi-scale architecture."),
      Setting("num_res_blocks", checks.Rule("integer", minimum=1),
              "Residual blocks per coupling network."),
      Setting("num_filters", checks.Rule("integer", minimum=1),
              "Feature maps of the first scale's checkerboard networks."),
      Setting("num_levels", checks.Rule("integer", minimum=2),
              "Pixel values (256 for 8-bit images)."),
      Setting("alpha", checks.Rule("number", above=0, below=0.5),
              "The logit transform's alpha (0.05)."),
      Setting("dropout", checks.Rule("number", minimum=0, below=1),
              "Dropout rate in the networks' residual blocks (not in the "
              "paper; a regulariser for small data).", architecture=False),
      Setting("seed", checks.Rule("integer", optional=True),
              "Seed of the dequantization noise of `call` (`fit`, "
              "`evaluate`, `predict`); None draws one from Keras' global "
              "seed (`keras.utils.set_random_seed`).",
              architecture=False),
      Setting("dequantization",
              checks.Rule("choice", choices=dequantization_lib.KINDS),
              "Dequantization noise: uniform (the paper's; the score is the "
              "uniform bound) or variational (a flow q(u|x) learned with the "
              "model, Flow++; the score is the bound with q's log-density).",
              since="0.2.0")) + flow_parts.settings(
      "(Glow's invertible 1x1 convolution).")

  support = (0., 1.)

  def __init__(self, image_shape, num_scales=2, num_res_blocks=2,
               num_filters=32, num_levels=256, alpha=0.05, num_classes=None,
               l2_coeff=5e-5, dropout=0., seed=None, dequantization="uniform",
               validate_args=False, condition_shape=None,
               condition_encoder=None, coupling="affine",
               normalization="batch_norm", permutation="reference", **kwargs):
    super().__init__(l2_coeff=l2_coeff, num_classes=num_classes,
                     validate_args=validate_args,
                     condition_shape=condition_shape,
                     condition_encoder=condition_encoder, **kwargs)
    # Each size an integer >= 1, num_scales too, and the squeezes possible.
    rnvp_bijectors.multiscale.validate(image_shape, num_scales)
    self._set_settings(RealNVP, locals())
    self.image_shape = tuple(int(d) for d in image_shape)
    self._set_flow(tfb.Chain([
        rnvp_bijectors.MultiScale(
            self.image_shape, self.num_scales, self._coupling_network,
            num_filters=self.num_filters, batch_norm_fn=self._batch_norm,
            validate_args=self.validate_args,
            bijector_fn=flow_parts.inner(self.coupling),
            permutation_fn=(None if self.permutation == "reference" else
                            self._permutation)),
        rnvp_bijectors.LogitTransform(self.alpha,
                                      validate_args=self.validate_args),
    ], name="encoder"))
    self.dequantizer = dequantization_lib.make(
        self.dequantization, self.image_shape, self.num_levels, self.num_filters,
        dtype=self.dtype_policy)
    self._noise_seed = seeds.savable_seed_generator(self.seed, self)
    self._build_flow()

  def _coupling_network(self, spec):
    """The network of the coupling `spec` (`bijectors.NetworkSpec`)."""
    return networks.CouplingResNet(
        spec.out_channels, spec.num_filters, self.num_res_blocks,
        mask_channel=spec.mask_channel, num_classes=self.num_classes,
        condition_shape=self.condition_features_shape,
        penalize_scale=spec.penalize_scale, dropout=self.dropout,
        head=flow_parts.head(self.coupling), dtype=self.dtype_policy,
        name=f"coupling_net_{spec.index}")

  def _batch_norm(self, spec):
    """The normalization after the coupling `spec`, in the flow's dtype."""
    return flow_parts.normalization(self.normalization, self.flow_dtype,
                                    spec.index)

  def _permutation(self, spec):
    """The mixing before the coupling `spec` (`flow_parts.permutation`)."""
    return flow_parts.permutation(self.permutation, spec.in_channels,
                                  self.seed, self.flow_dtype, spec.index)

  @property
  def event_shape(self):
    return self.image_shape

  @classmethod
  def from_preset(cls, name, **overrides):
    """A model with the architecture of `presets.PRESETS[name]`, with the
    `overrides` (settings) that are not None."""
    return cls(**cls.SETTINGS.merge(presets.preset(name), overrides))

  @property
  def loss_units_per_nat(self):
    return 1. / (self.num_dims * math.log(2.))  # the loss is in bits/dim

  @property
  def num_dims(self):
    return int(np.prod(self.image_shape))

  def _build_flow(self):
    """Creates every weight now, so the model is complete after construction."""
    pixels = tf.zeros((1,) + self.image_shape, tf.int32)
    self(self.pack_inputs(pixels, *conditioning.zeros(self)), training=False)

  # -- bits/dim -------------------------------------------------------------

  def trained_parts(self):
    """The flow and the dequantizer's parts (`FlowModel.trained_parts`)."""
    return super().trained_parts() + self.dequantizer.trained_parts()

  def call(self, inputs, training=None):
    """bits/dim (the bound) of integer pixels, with fresh dequantization
    noise."""
    pixels, given = self.split_inputs(inputs)
    log_p, log_q = self.log_weight_parts(pixels, given, self._next_seed())
    return bits.bits_per_dim(log_p, self.num_dims, self.num_levels, log_q)

  def _next_seed(self):
    """A (2,) seed from the model's seed generator; under tf.distribute
    each replica folds its id into it, so replicas draw different noise."""
    seed = self._noise_seed.next()                      # (2,) int
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
      seed = seed + tf.cast(
          tf.stack([context.replica_id_in_sync_group, 0]), seed.dtype)
    return seed

  def log_weight_parts(self, pixels, given, seed):
    """(log p(y), log q(u | x) or None) for one draw u of the noise from
    the stateless `seed`, y = (pixels + u) / L."""
    u, log_q = self.dequantizer.sample_and_log_prob(pixels, seed,
                                                    dtype=self.flow_dtype)
    y = bits.dequantize(pixels, self.num_levels, u)  # in [0, 1)
    return self.flow_log_prob(y, given), log_q

  def log_weight(self, pixels, given, seed):
    """log p(y) - log q(u | x) for one draw: the importance weight."""
    log_p, log_q = self.log_weight_parts(pixels, given, seed)
    return log_p if log_q is None else log_p - log_q

  def bits_per_dim(self, pixels, label=None, seed=None, condition=None):
    """bits/dim per image of integer `pixels` (batch + image_shape).

    Dequantizes with one draw of the noise (stateless if `seed` is given)
    and uses the moving batch-norm averages; with variational
    dequantization it is the bound with q's log-density. Wrong shapes,
    non-integer or out-of-range pixels raise (`checks`), also inside a
    traced function.
    """
    def score(pixels, given):
      log_p, log_q = self.log_weight_parts(
          pixels, given, seeds.stateless_seed(seed, stream=1))
      return bits.bits_per_dim(log_p, self.num_dims, self.num_levels, log_q)
    return self._with_given(score, self._checked(pixels), label, condition, 0)

  def importance_weighted_bits_per_dim(self, pixels, num_samples,
                                       label=None, seed=None, condition=None):
    """The `num_samples`-sample importance-weighted bound per image
    (`bits.py`): tighter than `bits_per_dim` as `num_samples` grows. One
    draw's memory: the draws run in a loop with a running log-sum-exp."""
    num_samples = checks.integer(num_samples, "num_samples", 1)
    return self._with_given(
        lambda pixels, given: self.importance_weighted_from_seed(
            pixels, given, seeds.stateless_seed(seed, stream=1),
            tf.constant(num_samples)),
        self._checked(pixels), label, condition, 0)

  @tf.function(reduce_retracing=True)
  def importance_weighted_from_seed(self, pixels, given, seed, num_samples):
    """The importance-weighted bits/dim per example, traced once: a running
    log-sum-exp of the weights of draws from seeds folded from `seed`."""
    def add_draw(k, log_sum):
      w = self.log_weight(pixels, given,
                          tf.random.experimental.stateless_fold_in(seed, k))
      return tf.experimental.numpy.logaddexp(log_sum, w)
    log_sum = onednn_safe.sequential_loop(
        num_samples, add_draw,
        tf.fill(tf.shape(pixels)[:1], tf.constant(-math.inf, self.flow_dtype)))
    return bits.importance_weighted_bits_per_dim(
        log_sum, num_samples, self.num_dims, self.num_levels)

  def _checked(self, pixels):
    pixels = tf.convert_to_tensor(pixels)
    checks.event_shape(pixels, self.image_shape, "pixels")
    return checks.pixels(pixels, self.num_levels)

  def sample(self, n, temperature=1.0, seed=None, label=None, condition=None):
    """`n` images in [0, 1], shape (n,) + image_shape."""
    images = super().sample(n, temperature, seed, label, condition)
    return tf.clip_by_value(images, 0., 1.)
