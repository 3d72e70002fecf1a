"""The s/t networks of Real NVP (paper section 4.1; reference `resnet`, `conv_layer`).

`CouplingResNet` is the network of one image coupling; it returns the
parameters of the coupling's inner map as the couplings of
`tfp_realnvp.bijectors` expect (`(shift, log_scale)` for the paper's affine
map; `heads.Head` cuts the last layer for any other, e.g. a spline's bins):

    input (N, H, W, C_in)  [checkerboard: C masked channels + 1 mask channel]
      -> BN (no gamma), [h, -h] (x2 and mask channel for checkerboard), ReLU
      -> 3x3 weight-normalised conv to `num_filters`
      -> `num_res_blocks` pre-activation residual blocks, each
             h = h + conv3x3(Dropout(ReLU(BN(conv3x3(ReLU(BN(h)))))))
         (dropout, off by default, is not in the paper: a regulariser for
         small data sets, as in Flow++)
         with a 1x1 skip projection of every block output summed into `out`
      -> BN, ReLU, 1x1 conv to k * C_out (k = the head's parameters per
         entry: 2 for the affine map)
      -> affine: shift = first C_out channels,
         log_scale = scale * tanh(last C_out channels), `scale` one learned
         scalar per coupling; other inner maps: `heads.Head.split`.

Weight normalisation (Salimans & Kingma 2016) as in the reference
(`layers.py`): learned per-filter gains named `magnitude`. The reference's
L2 penalty targets those gains and the checkerboard couplings' tanh scale
(`rescaling_scale`): each network lists them in `l2_weights()`.

Initialisation: the output conv's gains start at zero, so every coupling
starts as the identity (shift = 0, log_scale = 0) and the flow is the
identity up to its batch norms. The reference instead zeroes the tanh scale of
checkerboard couplings, which leaves the shift random and, combined with a
zero output layer, would leave the scale with no gradient; here the tanh
scale starts at 1.
"""

import math

import keras
import tensorflow as tf

from tfp_realnvp.models import heads
from tfp_realnvp.models import layers
from tfp_realnvp.models.layers import WeightNormConv2D

__all__ = ["WeightNormConv2D", "CouplingResNet", "ContextResNet",
           "CouplingMLP", "condition_maps"]


class CouplingResNet(keras.layers.Layer):
  """The reference ResNet as a `shift_and_log_scale_fn`, see module docstring.

  Args:
    out_channels: C_out, channels of shift and of log_scale.
    num_filters: feature maps of the hidden layers.
    num_res_blocks: residual blocks.
    mask_channel: the input's last channel is the checkerboard mask (the
      checkerboard coupling's input); it is passed to the first conv as is,
      and the masked image is scaled by 2 after its batch norm.
    num_classes: if set, `call` takes `label` (int, shape (N,)) and the
      network sees its one-hot encoding as extra input channels.
    condition_shape: if set, `call` takes `condition`, (N,) + this shape,
      and the network sees `condition_maps` of it as extra input channels.
    `call` also takes `context`, features (N, H, W, F) of what the flow is
    conditioned on (the variational dequantizer's view of the pixels,
    `ContextResNet`); the network sees [context, -context] as extra
    channels, as it sees [h, -h] of its input.
    penalize_scale: the tanh scale carries the L2 penalty (the reference's
      checkerboard couplings; the weight is then named `rescaling_scale`).
    dropout: dropout rate inside each residual block under `fit` (0: none).
    head: the inner transformation's parameters (`heads.Head`; None: the
      affine's `shift, log_scale`).
  """

  def __init__(self, out_channels, num_filters, num_res_blocks,
               mask_channel=False, num_classes=None, penalize_scale=False,
               dropout=0., condition_shape=None, head=None, **kwargs):
    super().__init__(**kwargs)
    self.out_channels = int(out_channels)
    self.num_filters = int(num_filters)
    self.num_res_blocks = int(num_res_blocks)
    self.mask_channel = bool(mask_channel)
    self.num_classes = num_classes
    self.penalize_scale = bool(penalize_scale)
    self.dropout = float(dropout)  # checked by the model's SETTINGS
    self.head = heads.Head.from_config(head)
    self.condition_shape = (None if condition_shape is None else
                            tuple(condition_shape))
    dtype = self.dtype_policy
    # A vector condition's learned projection (an image needs none).
    self.condition_projection = (
        keras.layers.Dense(num_filters, dtype=dtype)
        if self.condition_shape and len(self.condition_shape) == 1 else None)
    conv = lambda f, k, **kw: WeightNormConv2D(f, k, dtype=dtype, **kw)
    self.bn_in = layers.reference_batch_norm(dtype)
    self.conv_in = conv(num_filters, 3, use_gain=False)
    self.skip_in = conv(num_filters, 1)
    self.blocks = [layers.Container(
        [layers.reference_batch_norm(dtype),
         conv(num_filters, 3, use_bias=False, use_gain=False),
         layers.reference_batch_norm(dtype), conv(num_filters, 3)],
        dtype=dtype) for _ in range(num_res_blocks)]
    self.skips = [conv(num_filters, 1) for _ in range(num_res_blocks)]
    self.drop = (keras.layers.Dropout(self.dropout, dtype=dtype)
                 if self.dropout else tf.identity)
    self.bn_out = layers.reference_batch_norm(dtype)
    self.conv_out = conv(self.head.num_parameters * out_channels, 1,
                         zero_gain=True)

  def build(self, input_shape):
    self.scale = None if not self.head.bounds_scale else self.add_weight(
        name="rescaling_scale" if self.penalize_scale else "scale", shape=(),
        initializer="ones")

  def l2_weights(self):
    """The weights the reference's L2 penalty acts on: every conv's gains,
    and the tanh scale if `penalize_scale`."""
    convs = [self.conv_in, self.skip_in, *self.skips, self.conv_out,
             *(conv for block in self.blocks for conv in block.parts()[1::2])]
    gains = [conv.magnitude for conv in convs if conv.use_gain]
    return gains + ([self.scale] if self.penalize_scale and self.scale
                    is not None else [])

  def call(self, x, label=None, context=None, condition=None):
    if self.mask_channel:
      x, mask = x[..., :-1], x[..., -1:]
      h = 2. * self.bn_in(x)
      parts = [h, -h, mask]          # ReLU(mask) = mask
    else:
      h = self.bn_in(x)
      parts = [h, -h]
    if self.num_classes:
      if label is None:
        raise ValueError(f"{self.name}: this network is class-conditional "
                         f"({self.num_classes} classes); pass `label`.")
      onehot = tf.one_hot(tf.cast(label, tf.int32), self.num_classes,
                          dtype=h.dtype)[:, tf.newaxis, tf.newaxis, :]
      parts.append(tf.broadcast_to(
          onehot, tf.concat([tf.shape(h)[:-1], [self.num_classes]], 0)))
    if context is not None:
      context = tf.cast(context, h.dtype)
      parts += [context, -context]
    if self.condition_shape:
      if condition is None:
        raise ValueError(f"{self.name}: this network is conditional; pass "
                         "`condition`.")
      maps = condition_maps(condition, h, self.condition_projection)
      parts += [maps, -maps]
    h = self.conv_in(tf.nn.relu(tf.concat(parts, axis=-1)))  # (N, H, W, F)
    out = self.skip_in(h)
    for block, skip in zip(self.blocks, self.skips):
      bn1, conv1, bn2, conv2 = block.parts()
      h = h + conv2(self.drop(tf.nn.relu(bn2(conv1(tf.nn.relu(bn1(h)))))))
      out = out + skip(h)
    out = self.conv_out(tf.nn.relu(self.bn_out(out)))  # (N, H, W, P C_out)
    return self.head.split(out, self.out_channels, self.scale)

  def get_config(self):
    return {**super().get_config(), "out_channels": self.out_channels,
            "num_filters": self.num_filters,
            "num_res_blocks": self.num_res_blocks,
            "mask_channel": self.mask_channel, "num_classes": self.num_classes,
            "penalize_scale": self.penalize_scale, "dropout": self.dropout,
            "condition_shape": self.condition_shape,
            "head": self.head.get_config()}


def condition_maps(condition, h, projection=None):
  """The condition as feature maps on h's grid (N, H, W, F), which a
  network concatenates to its input (as [maps, -maps] before the ReLU, as
  it sees [h, -h]).

  A vector condition (N, K) goes through the learned `projection` (K -> F)
  and is broadcast over H x W: the way cINN (Ardizzone et al. 2019) and
  nflows' ResidualNet (its `context_features`) feed a vector to every
  coupling; a projection rather than the raw vector lets each coupling
  weigh the condition's entries on the scale of its own features. An image
  condition (N, H', W', C') of any size is resized (bilinear, antialiased
  when it shrinks) to each scale's H x W, as SRFlow (Lugmayr et al. 2020)
  feeds its low-resolution image to every scale.
  """
  condition = tf.cast(condition, h.dtype)
  if projection is not None:
    features = projection(condition)[:, tf.newaxis, tf.newaxis, :]
    return tf.broadcast_to(features, tf.concat(
        [tf.shape(h)[:-1], tf.shape(features)[-1:]], 0))
  size = tf.shape(h)[1:3]
  return tf.cast(tf.image.resize(condition, size, antialias=True), h.dtype)


class ContextResNet(keras.layers.Layer):
  """Features of an image for the flows conditioned on it (Flow++'s
  conditioning network): (N, H, W, C) -> (N, H, W, num_filters).

      3x3 weight-normalised conv -> `num_res_blocks` residual blocks
      h = h + conv3x3(ReLU(conv3x3(ReLU(h)))) -> ReLU

  No batch norm: the features of an image do not depend on the rest of its
  batch, in training or in evaluation.
  """

  def __init__(self, num_filters, num_res_blocks=1, **kwargs):
    super().__init__(**kwargs)
    self.num_filters = int(num_filters)
    self.num_res_blocks = int(num_res_blocks)
    conv = lambda k, **kw: WeightNormConv2D(num_filters, k,
                                            dtype=self.dtype_policy, **kw)
    self.conv_in = conv(3, use_gain=False)
    self.blocks = [layers.Container([conv(3), conv(3)], dtype=self.dtype_policy)
                   for _ in range(num_res_blocks)]

  def l2_weights(self):
    return [c.magnitude for block in self.blocks for c in block.parts()]

  def call(self, x):
    h = self.conv_in(x)                                   # (N, H, W, F)
    for block in self.blocks:
      conv1, conv2 = block.parts()
      h = h + conv2(tf.nn.relu(conv1(tf.nn.relu(h))))
    return tf.nn.relu(h)

  def get_config(self):
    return {**super().get_config(), "num_filters": self.num_filters,
            "num_res_blocks": self.num_res_blocks}


class CouplingMLP(keras.layers.Layer):
  """A fully connected `shift_and_log_scale_fn` for vector couplings.

  (N, D) -> ReLU MLP -> (shift, scale * tanh(raw)), each (N, D); the last
  layer starts at zero, so the coupling starts as the identity.

  Args:
    out_features: D.
    hidden_units: width of each hidden layer.
    num_hidden_layers: number of hidden layers.
    num_classes: if set, `call` takes `label` and sees its one-hot encoding.
    condition_shape: if set, `call` takes `condition` and sees it
      (flattened) beside x, as nflows' ResidualNet sees its context.
    head: as `CouplingResNet`'s.
  """

  def __init__(self, out_features, hidden_units=64, num_hidden_layers=2,
               num_classes=None, condition_shape=None, head=None, **kwargs):
    super().__init__(**kwargs)
    self.out_features = int(out_features)
    self.hidden_units = int(hidden_units)
    self.num_hidden_layers = int(num_hidden_layers)
    self.num_classes = num_classes
    self.head = heads.Head.from_config(head)
    self.condition_shape = (None if condition_shape is None else
                            tuple(condition_shape))
    dtype = self.dtype_policy
    self.hidden = [keras.layers.Dense(hidden_units, activation="relu",
                                      dtype=dtype)
                   for _ in range(num_hidden_layers)]
    self.out = keras.layers.Dense(self.head.num_parameters * out_features,
                                  kernel_initializer="zeros", dtype=dtype)

  def build(self, input_shape):
    self.scale = None if not self.head.bounds_scale else self.add_weight(
        name="scale", shape=(), initializer="ones")

  def l2_weights(self):
    """None: the reference's L2 penalty acts on weight-norm gains only."""
    return []

  def call(self, x, label=None, condition=None):
    if self.num_classes:
      x = tf.concat([x, tf.one_hot(tf.cast(label, tf.int32), self.num_classes,
                                   dtype=x.dtype)], axis=-1)
    if self.condition_shape:
      flat = tf.reshape(tf.cast(condition, x.dtype),
                        [tf.shape(x)[0], math.prod(self.condition_shape)])
      x = tf.concat([x, flat], axis=-1)
    for layer in self.hidden:
      x = layer(x)
    return self.head.split(self.out(x), self.out_features, self.scale)

  def get_config(self):
    return {**super().get_config(), "out_features": self.out_features,
            "hidden_units": self.hidden_units,
            "num_hidden_layers": self.num_hidden_layers,
            "num_classes": self.num_classes,
            "condition_shape": self.condition_shape,
            "head": self.head.get_config()}
