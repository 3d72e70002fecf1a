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

Feature maps: `num_filters * 2**i` for the checkerboard networks of scale i,
twice that for its channel networks. The latent z has the data's shape.
"""

from tfp_realnvp import bijectors as rnvp_bijectors
import tensorflow_probability as tfp

tfb = tfp.bijectors

CHECKERBOARD_PARITIES = (1, 0, 1)
LAST_SCALE_PARITIES = (1, 0, 1, 0)
CHANNEL_PARITIES = (0, 1, 0)


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
  if height // factor < 1 or width // factor < 1:
    raise ValueError(f"num_scales={num_scales} leaves a last scale smaller "
                     f"than 1x1 for a {height}x{width} image.")


def scale_shapes(image_shape, num_scales):
  """The (h, w, c) each scale's checkerboard couplings act on."""
  height, width, channels = image_shape
  return [(height // 2 ** i, width // 2 ** i, channels * 2 ** i)
          for i in range(num_scales)]


def multiscale_encoder(image_shape, num_scales, make_network,
                       make_batch_norm, coupling_name="coupling"):
  """Builds the data -> latent bijector of the multi-scale architecture.

  Args:
    image_shape: (H, W, C).
    num_scales: number of scales.
    make_network: callable(kind, scale, out_channels) -> network, kind in
      {"checkerboard", "channel"}.
    make_batch_norm: callable() -> batch-norm bijector.
    coupling_name: the name every coupling gets (kwargs routing).

  Returns:
    A bijector (H, W, C) -> (H, W, C), not including the logit transform.
  """
  validate(image_shape, num_scales)
  shapes = scale_shapes(tuple(int(d) for d in image_shape), num_scales)

  def scale_bijector(i):
    _, _, c = shapes[i]
    last = i == num_scales - 1
    steps = []  # in data -> latent order
    for parity in LAST_SCALE_PARITIES if last else CHECKERBOARD_PARITIES:
      steps += [rnvp_bijectors.CheckerboardAffineCoupling(
                    parity, make_network("checkerboard", i, c),
                    name=coupling_name),
                make_batch_norm()]
    if not last:
      steps.append(rnvp_bijectors.Squeeze(ordered=False))
      for parity in CHANNEL_PARITIES:
        steps += [rnvp_bijectors.ChannelAffineCoupling(
                      parity, make_network("channel", i, 2 * c),
                      name=coupling_name),
                  make_batch_norm()]
      steps.append(tfb.Invert(rnvp_bijectors.Squeeze(ordered=False)))
      steps.append(rnvp_bijectors.FactorOut(scale_bijector(i + 1),
                                            name=f"factor_out_{i}"))
    return tfb.Chain(steps[::-1], name=f"scale_{i}")

  return scale_bijector(0)


def route_kwargs(bijector, target_name, kwargs):
  """Nested `bijector_kwargs` giving `kwargs` to every sub-bijector named `target_name`.

  `tfb.Chain` routes keyword arguments one level deep, by name; this builds
  the nested dictionary for a tree of `Chain`, `Invert` and `FactorOut`.
  """
  if bijector.name == target_name:
    return dict(kwargs)
  if isinstance(bijector, rnvp_bijectors.FactorOut):
    return route_kwargs(bijector.inner, target_name, kwargs)
  # tfb.Invert and tfb.Chain of non-CompositeTensor bijectors are TFP's
  # private _Invert and _Chain, so look at what they hold, not at their type.
  inverted = getattr(bijector, "bijector", None)
  if isinstance(inverted, tfb.Bijector):
    return route_kwargs(inverted, target_name, kwargs)
  if getattr(bijector, "bijectors", None) is not None:
    routed = {}
    for sub in bijector.bijectors:
      sub_kwargs = route_kwargs(sub, target_name, kwargs)
      if sub_kwargs:
        routed[sub.name] = sub_kwargs
    return routed
  return {}
