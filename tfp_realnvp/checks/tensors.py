"""Checks of the tensors a call takes: eagerly `ValueError`, in graphs an
assert op raising `InvalidArgumentError` with the same words (`_assert`)."""

import numpy as np
import tensorflow as tf

from tfp_realnvp.checks.arguments import _refuse
from tfp_realnvp.checks.arguments import integer
from tfp_realnvp.checks.arguments import number


def _assert(condition, message):
  """An assert op: `InvalidArgumentError(message)` where `condition` is
  False (in graphs)."""
  return tf.debugging.Assert(condition, [message])


def _with(value, *asserts):
  with tf.control_dependencies(asserts):
    return tf.identity(value)


def _graph_tensor(value):
  return tf.is_tensor(value) and not tf.executing_eagerly()


def num_samples(n):
  """`n` samples: a Python int >= 0, or an integer tensor (checked when it
  runs); the empty batch is valid."""
  rule = "an integer >= 0"
  if _graph_tensor(n):
    if not n.dtype.is_integer or n.shape.rank != 0:
      _refuse("num_samples", n, f"{rule} (a scalar integer tensor)")
    return _with(n, _assert(n >= 0, f"num_samples must be {rule}; got a "
                            "negative value."))
  if tf.is_tensor(n):
    if not n.dtype.is_integer or n.shape.rank != 0:
      _refuse("num_samples", n.numpy(), rule)
    n = n.numpy()
  return integer(n, "num_samples", 0)


def temperature(t):
  """The sampling temperature: a number > 0 (0 would give the mean image,
  a negative one a mirrored draw), or a float tensor checked when it runs."""
  if _graph_tensor(t):
    return _with(t, _assert(t > 0, "temperature must be a number > 0; got "
                            "a value <= 0."))
  if tf.is_tensor(t):
    t = t.numpy().item()
  return number(t, "temperature", above=0)


def event_shape(x, shape, what="x"):
  """Raises ValueError naming both shapes unless x is (batch...,) + shape
  (dimensions unknown at trace time pass)."""
  given = tf.TensorShape(x.shape)
  n = len(shape)
  if given.rank is None:
    return
  trailing = given.as_list()[-n:] if given.rank >= n + 1 else None
  if trailing is None or any(a is not None and a != b
                             for a, b in zip(trailing, shape)):
    raise ValueError(f"{what} must have shape (batch,) + {tuple(shape)}; "
                     f"got {tuple(given.as_list())}.")


def asserted_event_shape(x, shape, what="x"):
  """`x` with a run-time check that it is (batch,) + shape: for traced
  inputs whose sizes are not checked when called (a loaded SavedModel's
  signatures). The error shows the given and the expected sizes."""
  check = tf.debugging.assert_equal(
      tf.shape(x)[1:], tf.constant(shape, tf.int32),
      message=f"{what} must have shape (batch,) + {tuple(shape)}; "
      "got (batch,) +")
  return _with(x, check)


def density_input(x, shape, dtype, support=None, validate_args=False,
                  num_levels=None, what="x"):
  """`x` for a density (`log_prob`, `encode`): (batch,) + `shape`, floating
  (integer pixels are refused: the message says to use `bits_per_dim`, or
  to divide by `num_levels`), cast to `dtype`. With `validate_args`, NaN and
  values outside `support` (low, high) are refused."""
  x = tf.convert_to_tensor(x)
  event_shape(x, shape, what)
  if not x.dtype.is_floating:
    hint = (f" For integer pixels use bits_per_dim(pixels) or pass (pixels"
            f" + noise) / {num_levels} with noise in [0, 1)." if num_levels
            else "")
    raise ValueError(
        f"{what} must be floating point: the density is continuous; got "
        f"{x.dtype.name}.{hint}")
  x = tf.cast(x, dtype)
  if not validate_args:
    return x
  where = f" [{support[0]:g}, {support[1]:g}]" if support else ""
  nan = f"{what} must not hold NaN"
  out = f"{what} must be in{where} (the density's support)"
  if tf.executing_eagerly():
    values = x.numpy()
    if np.isnan(values).any():
      raise ValueError(f"{nan}; got {int(np.isnan(values).sum())} NaN "
                       "values.")
    if support and values.size and (values.min() < support[0] or
                                    values.max() > support[1]):
      raise ValueError(f"{out}; got values in [{values.min():g}, "
                       f"{values.max():g}].")
    return x
  asserts = [_assert(~tf.reduce_any(tf.math.is_nan(x)), nan + ".")]
  if support:
    asserts.append(_assert(tf.reduce_all((x >= support[0]) &
                                         (x <= support[1])),
                           out + "; got a value outside it."))
  return _with(x, *asserts)


def labels(label, num_classes):
  """Class labels: integers in [0, num_classes - 1], one per example or one
  for all (an embedding would read another value as a zero vector)."""
  label = tf.convert_to_tensor(label)
  rule = f"integers in [0, {num_classes - 1}] (num_classes={num_classes})"
  if not label.dtype.is_integer or label.shape.rank not in (None, 0, 1):
    raise ValueError(f"label must be {rule}, a scalar or one per example; "
                     f"got {label.dtype.name} of shape "
                     f"{tuple(label.shape.as_list())}.")
  if tf.executing_eagerly():
    values = label.numpy()
    if values.size and (values.min() < 0 or values.max() >= num_classes):
      raise ValueError(f"label must be {rule}; got values in "
                       f"[{values.min()}, {values.max()}].")
    return label
  return _with(label, _assert(
      tf.reduce_all((label >= 0) & (label < num_classes)),
      f"label must be {rule}; got a value outside it."))


def pixel_span(array, num_levels):
  """None if every value of the array is in [0, num_levels - 1], else
  their span "[min, max]" (the words every pixel message shows)."""
  if array.size and (array.min() < 0 or array.max() > num_levels - 1):
    return f"[{array.min()}, {array.max()}]"
  return None


def pixel_array(images, where, num_levels=256):
  """A NumPy array of images read from `where` (a file, a split), as
  (N, H, W, C): integer pixels (N, H, W) or (N, H, W, C) in
  [0, num_levels - 1]; else `ValueError` naming `where` and what to do."""
  images = np.asarray(images)
  if not np.issubdtype(images.dtype, np.integer) or images.ndim not in (3, 4):
    hint = (" (float images: store (x * 255).round().astype(np.uint8))"
            if np.issubdtype(images.dtype, np.floating) else "")
    raise ValueError(f"{where}: images must be integer pixels of shape (N, "
                     f"H, W) or (N, H, W, C); got {images.dtype} "
                     f"{images.shape}{hint}.")
  span = pixel_span(images, num_levels)
  if span:
    raise ValueError(f"{where}: pixel values span {span}; they must be "
                     f"integers in [0, {num_levels - 1}] ({num_levels} "
                     "levels).")
  return images[..., None] if images.ndim == 3 else images


def _pixel_message(num_levels):
  return (f"bits_per_dim wants integer pixels in [0, {num_levels - 1}] "
          f"(num_levels={num_levels})")


def pixels(values, num_levels):
  """`values`, checked to be integers in [0, num_levels - 1]."""
  values = tf.convert_to_tensor(values)
  message = _pixel_message(num_levels)
  if tf.executing_eagerly():
    array = values.numpy()
    span = pixel_span(array, num_levels)
    if span:
      raise ValueError(f"{message}; got values in {span}.")
    if values.dtype.is_floating and np.any(array != np.round(array)):
      raise ValueError(f"{message}; got non-integer values. For images "
                       f"scaled to [0, 1], pass round(x * {num_levels - 1}), "
                       "or use log_prob, which takes [0, 1].")
    return values
  asserts = [
      tf.debugging.assert_greater_equal(
          values, tf.zeros([], values.dtype),
          message=f"{message}; got a negative value"),
      tf.debugging.assert_less_equal(
          values, tf.cast(num_levels - 1, values.dtype),
          message=f"{message}; got a value above {num_levels - 1}")]
  if values.dtype.is_floating:
    asserts.append(tf.debugging.assert_equal(
        values, tf.round(values),
        message=f"{message}; got non-integer values (images in [0, 1]? use "
        "log_prob)"))
  return _with(values, *asserts)


def condition(value, shape, dtype, validate_args=False):
  """A conditional model's `condition`: floating, `shape` (one for every
  example) or (batch,) + `shape`; cast to `dtype`. With `validate_args`,
  NaN is refused."""
  value = tf.convert_to_tensor(value)
  given = tf.TensorShape(value.shape)
  rule = f"shape {tuple(shape)} or (batch,) + {tuple(shape)}"
  if given.rank is not None and not (
      given[-len(shape):].is_compatible_with(shape) and
      given.rank in (len(shape), len(shape) + 1)):
    raise ValueError(f"condition must have {rule}; got "
                     f"{tuple(given.as_list())}.")
  if not (value.dtype.is_floating or value.dtype.is_integer or
          value.dtype == tf.bool):
    raise ValueError(f"condition must be numbers; got {value.dtype.name}.")
  value = tf.cast(value, dtype)
  if not validate_args:
    return value
  nan = "condition must not hold NaN"
  if tf.executing_eagerly():
    count = int(tf.reduce_sum(tf.cast(tf.math.is_nan(value), tf.int32)))
    if count:
      raise ValueError(f"{nan}; got {count} NaN values.")
    return value
  return _with(value, _assert(~tf.reduce_any(tf.math.is_nan(value)),
                              nan + "."))
