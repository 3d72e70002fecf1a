"""The multi-scale architecture of Real NVP as one bijector (paper section 3.6).

`MultiScale(image_shape, num_scales, coupling_network_fn)` maps data ->
latent, (H, W, C) -> (H, W, C). At scale i of `num_scales` (i = 0 at full
resolution):

  * scale i < num_scales - 1, input (h, w, c):
      3 checkerboard couplings (parity 1, 0, 1), each followed by batch norm;
      squeeze (plain ordering) to (h/2, w/2, 4c);
      3 channel couplings (parity 0, 1, 0), each followed by batch norm;
      unsqueeze to (h, w, c);
      `FactorOut`: ordered squeeze, half (h/2, w/2, 2c) goes on to scale i+1,
      the other half is factored out as final latents.
  * last scale: 4 checkerboard couplings (parity 1, 0, 1, 0), each followed
    by batch norm.

Every coupling applies `bijector_fn` (`elementwise.py`; the paper's affine
by default, or `rq_spline.py`, `mixture_cdf.py`); `batch_norm_fn` may
give another normalization (`actnorm.py`); `permutation_fn` may put a
bijector before each coupling (Glow's `conv1x1.py`: a learned mixing of
the channels instead of only the fixed alternation of masks).

Width schedule (the reference's): the networks of scale i have
`num_filters * 2**i` feature maps in the checkerboard couplings and twice
that in the channel couplings. `plan` decides every coupling's network
(`NetworkSpec`); the caller only says how to build a network of a given
spec. The bijector builds and holds its networks and batch norms, as TFP's
`tfb.Glow` does: `tree.networks(flow)` and `tree.batch_norm_statistics(flow)`
find them, in coupling order.
"""

import dataclasses

import tensorflow_probability as tfp

from tfp_realnvp import checks
from tfp_realnvp.bijectors import elementwise
from tfp_realnvp.bijectors.batch_norm import BatchNormalization
from tfp_realnvp.bijectors.factor_out import FactorOut
from tfp_realnvp.bijectors.masked_coupling import CheckerboardCoupling
from tfp_realnvp.bijectors.split_coupling import SplitCoupling
from tfp_realnvp.bijectors.squeeze import Squeeze

tfb = tfp.bijectors

__all__ = ["MultiScale", "NetworkSpec", "plan", "scale_shapes", "validate"]

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
    parity: the coupling's mask parity.
  """
  out_channels: int
  num_filters: int
  mask_channel: bool
  penalize_scale: bool
  scale: int
  index: int
  parity: int = 0

  @property
  def in_channels(self):
    """Channels of the coupling's input: C for a checkerboard coupling (it
    transforms them all), 2 C_out for a channel coupling (half of them)."""
    return self.out_channels if self.mask_channel else 2 * self.out_channels


def validate(image_shape, num_scales):
  """Raises ValueError naming the numbers if the configuration cannot work."""
  if (isinstance(image_shape, (str, bytes)) or
      not hasattr(image_shape, "__len__") or len(image_shape) != 3):
    # Any sequence of 3: a tuple, a list, a TensorShape, an array.
    raise ValueError(f"image_shape must be (height, width, channels); got "
                     f"{image_shape!r}.")
  for i, d in enumerate(image_shape):
    checks.integer(d, f"image_shape[{i}]", 1)
  checks.integer(num_scales, "num_scales", 1)
  height, width, _ = (int(d) for d in image_shape)
  factor = 2 ** (int(num_scales) - 1)
  if height % factor or width % factor:
    raise ValueError(
        f"An image of {height}x{width} cannot be squeezed {num_scales - 1} "
        f"times (num_scales={num_scales}): height and width must be "
        f"divisible by 2**(num_scales-1) = {factor}.")


def scale_shapes(image_shape, num_scales):
  """The (h, w, c) each scale's checkerboard couplings act on."""
  height, width, channels = (int(d) for d in image_shape)
  return [(height // 2 ** i, width // 2 ** i, channels * 2 ** i)
          for i in range(num_scales)]


def plan(image_shape, num_scales, num_filters):
  """Every coupling's `NetworkSpec`, per scale: a list of (checkerboard
  specs, channel specs), indices in data -> latent order."""
  validate(image_shape, num_scales)
  scales, index = [], 0
  for i, (_, _, c) in enumerate(scale_shapes(image_shape, num_scales)):
    last = i == num_scales - 1
    width = num_filters * 2 ** i
    checkerboard = tuple(
        NetworkSpec(c, width, True, True, i, index + k, parity)
        for k, parity in enumerate(
            LAST_SCALE_PARITIES if last else CHECKERBOARD_PARITIES))
    index += len(checkerboard)
    channel = () if last else tuple(
        NetworkSpec(2 * c, 2 * width, False, False, i, index + k, parity)
        for k, parity in enumerate(CHANNEL_PARITIES))
    index += len(channel)
    scales.append((checkerboard, channel))
  return scales


def _default_batch_norm(spec):
  return BatchNormalization(name=f"batch_norm_{spec.index}")


class MultiScale(tfb.Composition):
  """The multi-scale flow, data -> latent; see the module docstring.

  Args:
    image_shape: (H, W, C).
    num_scales: number of scales.
    coupling_network_fn: callable(NetworkSpec) -> the coupling's network
      (`coupling.py`'s contract).
    num_filters: feature maps of the first scale's checkerboard networks.
    batch_norm_fn: callable(NetworkSpec) -> the batch-norm bijector after
      that coupling (default: `BatchNormalization`), or None for none.
    bijector_fn: the couplings' inner transformation (an
      `elementwise.ElementwiseFactory`; the paper's affine by default).
    permutation_fn: None, or callable(NetworkSpec) -> a bijector applied
      before that coupling (data -> latent), e.g. `InvertibleConv1x1`.
    validate_args: Python `bool`.
    name: Python `str`; the key of this bijector's kwargs in a `tfb.Chain`.
  """

  def __init__(self, image_shape, num_scales, coupling_network_fn,
               num_filters=32, batch_norm_fn=_default_batch_norm,
               validate_args=False, name="multiscale",
               bijector_fn=elementwise.affine, permutation_fn=None):
    parameters = dict(locals())
    validate(image_shape, num_scales)
    self._image_shape = tuple(int(d) for d in image_shape)
    self._num_scales = int(num_scales)
    checks.callable_(coupling_network_fn, "coupling_network_fn")
    for fn, what in ((batch_norm_fn, "batch_norm_fn"),
                     (permutation_fn, "permutation_fn")):
      if fn is not None:
        checks.callable_(fn, what)
    scales = plan(self._image_shape, self._num_scales,
                  checks.integer(num_filters, "num_filters", 1))

    def step(kind, spec):
      coupling = kind(spec.parity, coupling_network_fn(spec), bijector_fn,
                      validate_args=validate_args,
                      name=f"coupling_{spec.index}")
      return (([permutation_fn(spec)] if permutation_fn else []) + [coupling]
              + ([batch_norm_fn(spec)] if batch_norm_fn else []))

    inner = None  # built from the last scale outwards
    for i in reversed(range(self._num_scales)):
      checkerboard, channel = scales[i]
      steps = [b for s in checkerboard
               for b in step(CheckerboardCoupling, s)]  # data -> latent
      if channel:
        steps.append(Squeeze(ordered=False))
        steps += [b for s in channel for b in step(SplitCoupling, s)]
        steps.append(tfb.Invert(Squeeze(ordered=False)))
        steps.append(FactorOut(inner, name=f"factor_out_{i}"))
      inner = tfb.Chain(steps[::-1], name=f"scale_{i}")
    super().__init__(bijectors=inner, validate_args=validate_args,
                     parameters=parameters, name=name)

  @classmethod
  def _parameter_properties(cls, dtype):
    return dict()

  @property
  def image_shape(self):
    return self._image_shape

  @property
  def num_scales(self):
    return self._num_scales
