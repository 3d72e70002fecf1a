"""Checks at the models' boundary: errors that name the problem and the fix.

Eagerly they raise `ValueError`; inside a traced function (a `tf.function`, an
exported SavedModel) the run-time part raises `InvalidArgumentError` with the
same words, instead of letting a wrong input come out as NaN.
"""

import numpy as np
import tensorflow as tf


def check_event_shape(x, event_shape, what="x"):
  """Raises ValueError naming both shapes unless x is (batch...,) + event_shape
  (dimensions unknown at trace time pass)."""
  shape = tf.TensorShape(x.shape)
  n = len(event_shape)
  if shape.rank is None:
    return
  trailing = shape.as_list()[-n:] if shape.rank >= n + 1 else None
  if trailing is None or any(a is not None and a != b
                             for a, b in zip(trailing, event_shape)):
    raise ValueError(f"{what} must have shape (batch,) + {tuple(event_shape)}; "
                     f"got {tuple(shape.as_list())}.")


def _pixel_message(num_levels):
  return (f"bits_per_dim wants integer pixels in [0, {num_levels - 1}] "
          f"(num_levels={num_levels})")


def checked_pixels(pixels, num_levels):
  """`pixels`, checked to be integers in [0, num_levels - 1]."""
  pixels = tf.convert_to_tensor(pixels)
  message = _pixel_message(num_levels)
  if tf.executing_eagerly():
    values = pixels.numpy()
    if values.size and (values.min() < 0 or values.max() > num_levels - 1):
      raise ValueError(f"{message}; got values in [{values.min()}, "
                       f"{values.max()}].")
    if pixels.dtype.is_floating and np.any(values != np.round(values)):
      raise ValueError(f"{message}; got non-integer values. For images "
                       f"scaled to [0, 1], pass round(x * {num_levels - 1}), "
                       "or use log_prob, which takes [0, 1].")
    return pixels
  checks = [
      tf.debugging.assert_greater_equal(
          pixels, tf.zeros([], pixels.dtype),
          message=f"{message}; got a negative value"),
      tf.debugging.assert_less_equal(
          pixels, tf.cast(num_levels - 1, pixels.dtype),
          message=f"{message}; got a value above {num_levels - 1}")]
  if pixels.dtype.is_floating:
    checks.append(tf.debugging.assert_equal(
        pixels, tf.round(pixels),
        message=f"{message}; got non-integer values (images in [0, 1]? use "
        "log_prob)"))
  with tf.control_dependencies(checks):
    return tf.identity(pixels)


def asserted_event_shape(x, event_shape, what="x"):
  """`x` with a run-time check that it is (batch,) + event_shape: for traced
  inputs whose sizes are not checked when called (a loaded SavedModel's
  signatures). The error shows the given and the expected sizes."""
  check = tf.debugging.assert_equal(
      tf.shape(x)[1:], tf.constant(event_shape, tf.int32),
      message=f"{what} must have shape (batch,) + {tuple(event_shape)}; "
      "got (batch,) +")
  with tf.control_dependencies([check]):
    return tf.identity(x)
