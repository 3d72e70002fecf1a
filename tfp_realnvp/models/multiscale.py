"""The multi-scale architecture of Real NVP (paper section 3.6; reference `encoder`).

Data -> latent, at scale i of `num_scales` (i = 0 at full resolution):

  * scale i < num_scales - 1, input (h, w, c):
      3 checkerboard couplings (parity 1, 0, 1), each followed by batch norm;
      squeeze (plain ordering) to (h/2, w/2, 4c);
      3 channel couplings (parity 0, 1, 0), each followed by batch norm;
      unsqueeze to (h, w, c);
      `FactorOut`: ordered squeeze, half (h/2, w/2, 2c) goes on to scale i+1,
      the other half is factored out as final latents.
  * last scale: 4 checkerboard couplings (parity 1, 0, 1, 0), each followed
    by batch norm.

Width schedule (the reference's): the networks of scale i have
`num_filters * 2**i` feature maps in the checkerboard couplings and twice
that in the channel couplings. This module decides every coupling's network
shape (`NetworkSpec`); the model only says how to build a network of a
given spec. The latent z has the data's shape.
"""

import dataclasses

import tensorflow_probability as tfp

from tfp_realnvp import bijectors as rnvp_bijectors

tfb = tfp.bijectors

CHECKERBOARD_PARITIES = (1, 0, 1)
LAST_SCALE_PARITIES = (1, 0, 1, 0)
CHANNEL_PARITIES = (0, 1, 0)


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
  """What the network of one coupling must be.

  Attributes:
    out_channels: channels of `shift` and of `log_scale`.
    num_filters: feature maps of its hidden layers (the width schedule).
    mask_channel: its input's last channel is the checkerboard mask (a
      checkerboard coupling's conditioner input, `C + 1` channels).
    penalize_scale: the reference puts its L2 penalty on this coupling's
      tanh scale (checkerboard couplings only).
    scale: the scale index i, 0 at full resolution.
    index: the coupling's position in the flow, 0 first (data side).
  """
  out_channels: int
  num_filters: int
  mask_channel: bool
  penalize_scale: bool
  scale: int
  index: int


def validate(image_shape, num_scales):
  """Raises ValueError naming the numbers if the configuration cannot work."""
  if len(image_shape) != 3 or any(int(d) < 1 for d in image_shape):
    raise ValueError(f"image_shape must be (height, width, channels) of "
                     f"positive sizes; got {tuple(image_shape)}.")
  if int(num_scales) < 1:
    raise ValueError(f"num_scales must be >= 1; got {num_scales}.")
  height, width, _ = (int(d) for d in image_shape)
  factor = 2 ** (int(num_scales) - 1)
  if height % factor or width % factor:
    raise ValueError(
        f"An image of {height}x{width} cannot be squeezed {num_scales - 1} "
        f"times (num_scales={num_scales}): height and width must be "
        f"divisible by 2**(num_scales-1) = {factor}.")


def scale_shapes(image_shape, num_scales):
  """The (h, w, c) each scale's checkerboard couplings act on."""
  height, width, channels = image_shape
  return [(height // 2 ** i, width // 2 ** i, channels * 2 ** i)
          for i in range(num_scales)]


def multiscale_encoder(image_shape, num_scales, num_filters, make_network,
                       make_batch_norm):
  """Builds the data -> latent bijector of the multi-scale architecture.

  Args:
    image_shape: (H, W, C).
    num_scales: number of scales.
    num_filters: feature maps of the first scale's checkerboard networks.
    make_network: callable(NetworkSpec) -> a `shift_and_log_scale_fn`.
    make_batch_norm: callable() -> a batch-norm bijector.

  Returns:
    A bijector (H, W, C) -> (H, W, C), not including the logit transform.
  """
  validate(image_shape, num_scales)
  shapes = scale_shapes(tuple(int(d) for d in image_shape), num_scales)
  count = [0]

  def coupling(kind, parity, scale, channels, width):
    spec = NetworkSpec(
        out_channels=channels, num_filters=width,
        mask_channel=kind is rnvp_bijectors.CheckerboardAffineCoupling,
        penalize_scale=kind is rnvp_bijectors.CheckerboardAffineCoupling,
        scale=scale, index=count[0])
    count[0] += 1
    return [kind(parity, make_network(spec), name=f"coupling_{spec.index}"),
            make_batch_norm()]

  def scale_bijector(i):
    _, _, c = shapes[i]
    width = num_filters * 2 ** i
    last = i == num_scales - 1
    steps = []  # in data -> latent order
    for parity in LAST_SCALE_PARITIES if last else CHECKERBOARD_PARITIES:
      steps += coupling(rnvp_bijectors.CheckerboardAffineCoupling, parity, i,
                        c, width)
    if not last:
      steps.append(rnvp_bijectors.Squeeze(ordered=False))
      for parity in CHANNEL_PARITIES:
        steps += coupling(rnvp_bijectors.ChannelAffineCoupling, parity, i,
                          2 * c, 2 * width)
      steps.append(tfb.Invert(rnvp_bijectors.Squeeze(ordered=False)))
      steps.append(rnvp_bijectors.FactorOut(scale_bijector(i + 1),
                                            name=f"factor_out_{i}"))
    return tfb.Chain(steps[::-1], name=f"scale_{i}")

  return scale_bijector(0)
