"""The squeeze operation (Dinh et al. 2017, section 3.6).

Forward: (..., H, W, C) -> (..., H/2, W/2, 4C), each 2x2 block of pixels
becomes one pixel with four times the channels. A permutation: log-det 0.
H and W must be even.

Two channel orderings, both those of the reference implementation
(`real_nvp_utils.squeeze_2x2` and `squeeze_2x2_ordered`); with sub-pixel
offsets (dh, dw) in {0, 1}^2 and input channel c:

* plain (`ordered=False`), used around the channel-wise couplings::

      output channel = 4 * c + 2 * dh + dw

  (all four sub-pixels of one input channel are contiguous);

* ordered (`ordered=True`), used for factoring out::

      output channel = k * C + c,   k = 0, 1, 2, 3 for (dh, dw) =
                                    (0, 0), (1, 1), (0, 1), (1, 0)

  so the first 2C channels hold the (0, 0) and (1, 1) sub-pixels (one colour
  of the checkerboard) and the last 2C the (0, 1) and (1, 0) ones: splitting
  them in halves is a spatial checkerboard split.
"""

import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp import checks
from tfp_realnvp.private_api import ps

tfb = tfp.bijectors

__all__ = ["Squeeze"]

# Sub-pixel slots of the ordered squeeze, in the row-major sub-pixel order
# (0,0), (0,1), (1,0), (1,1) -> slot k, and back.
_ORDERED_SLOTS = (0, 3, 1, 2)    # slot k holds row-major sub-pixel _ORDERED_SLOTS[k]
_ORDERED_INVERSE = (0, 2, 3, 1)  # row-major sub-pixel j sits in slot _ORDERED_INVERSE[j]


class Squeeze(tfb.Bijector):
  """Space-to-depth on the last three axes: (H, W, C) -> (H/2, W/2, 4C).

  Args:
    ordered: Python `bool`; `False` for the plain channel ordering, `True`
      for the reference's ordered (checkerboard) one. See the module docstring.
    validate_args: Python `bool`; check at run time that H and W are even
      when they are not known statically (a static odd size always raises).
    name: Python `str`.
  """

  def __init__(self, ordered=False, validate_args=False, name="squeeze"):
    parameters = dict(locals())
    self._ordered = checks.flag(ordered, "ordered")
    super().__init__(
        forward_min_event_ndims=3,
        is_constant_jacobian=True,
        validate_args=validate_args,
        parameters=parameters,
        name=name)

  @classmethod
  def _parameter_properties(cls, dtype):
    return dict()

  @property
  def ordered(self):
    return self._ordered

  def _image_dims(self, x, what):
    if x.shape.rank is not None and x.shape.rank < 3:
      raise ValueError(f"{self.name}: expects {what} of shape (..., H, W, C); "
                       f"got shape {x.shape}.")
    return ps.shape(x)[-3], ps.shape(x)[-2], ps.shape(x)[-1]

  def _forward(self, x):
    height, width, channels = self._image_dims(x, "images")
    # The reshape below must wait for the check: run concurrently, it fails
    # first on an odd size, with a message that does not say why.
    checks = _check_even(height, width, self.name, self.validate_args)
    if checks:
      with tf.control_dependencies(checks):
        x = tf.identity(x)
    batch_shape = ps.shape(x)[:-3]
    h2, w2 = height // 2, width // 2
    x = tf.reshape(x, ps.stack([-1, h2, 2, w2, 2, channels]))
    if self._ordered:
      x = tf.transpose(x, [0, 1, 3, 2, 4, 5])  # N, h2, w2, dh, dw, C
      x = tf.reshape(x, ps.stack([-1, h2, w2, 4, channels]))
      x = tf.gather(x, _ORDERED_SLOTS, axis=3)
    else:
      x = tf.transpose(x, [0, 1, 3, 5, 2, 4])  # N, h2, w2, C, dh, dw
    return tf.reshape(x, ps.concat([batch_shape, [h2, w2, 4 * channels]], 0))

  def _inverse(self, y):
    h2, w2, channels4 = self._image_dims(y, "squeezed images")
    if isinstance(channels4, int) and channels4 % 4:
      raise ValueError(f"{self.name}: the inverse squeeze needs a channel "
                       f"count divisible by 4; got {channels4}.")
    channels = channels4 // 4
    batch_shape = ps.shape(y)[:-3]
    if self._ordered:
      y = tf.reshape(y, ps.stack([-1, h2, w2, 4, channels]))
      y = tf.gather(y, _ORDERED_INVERSE, axis=3)
      y = tf.reshape(y, ps.stack([-1, h2, w2, 2, 2, channels]))
      y = tf.transpose(y, [0, 1, 3, 2, 4, 5])  # N, h2, dh, w2, dw, C
    else:
      y = tf.reshape(y, ps.stack([-1, h2, w2, channels, 2, 2]))
      y = tf.transpose(y, [0, 1, 4, 2, 5, 3])  # N, h2, dh, w2, dw, C
    return tf.reshape(
        y, ps.concat([batch_shape, [2 * h2, 2 * w2, channels]], 0))

  def _forward_log_det_jacobian(self, x):
    return tf.zeros([], dtype=x.dtype)

  # Shapes: only the three rightmost dims change; any batch dims pass through.
  def _forward_event_shape(self, input_shape):
    if input_shape.rank is None:
      return input_shape
    height, width, channels = input_shape[-3:]
    _check_even(height, width, self.name, validate_args=False)
    return input_shape[:-3].concatenate(
        [_maybe(height, lambda v: v // 2), _maybe(width, lambda v: v // 2),
         _maybe(channels, lambda v: 4 * v)])

  def _inverse_event_shape(self, output_shape):
    if output_shape.rank is None:
      return output_shape
    h2, w2, channels4 = output_shape[-3:]
    return output_shape[:-3].concatenate(
        [_maybe(h2, lambda v: 2 * v), _maybe(w2, lambda v: 2 * v),
         _maybe(channels4, lambda v: v // 4)])

  def _forward_event_shape_tensor(self, input_shape):
    height, width, channels = input_shape[-3], input_shape[-2], input_shape[-1]
    return ps.concat(
        [input_shape[:-3], [height // 2, width // 2, 4 * channels]], 0)

  def _inverse_event_shape_tensor(self, output_shape):
    h2, w2, channels4 = output_shape[-3], output_shape[-2], output_shape[-1]
    return ps.concat([output_shape[:-3], [2 * h2, 2 * w2, channels4 // 4]], 0)


def _maybe(dim, fn):
  return None if dim is None else fn(dim)


def _check_even(height, width, name, validate_args):
  """Raises for a static odd size; returns the run-time assertions (a list,
  empty unless `validate_args` and a size is known only at run time)."""
  static = [d for d in (height, width) if not tf.is_tensor(d) and d is not None]
  if any(int(d) % 2 for d in static):
    raise ValueError(f"{name}: squeezing needs an even height and width; got "
                     f"{height} x {width}.")
  if not validate_args or len(static) == 2:
    return []
  return [tf.debugging.assert_equal(
      tf.stack([height % 2, width % 2]), 0,
      message=f"{name}: squeezing needs an even height and width.")]
