"""Every argument check of the public API, with one way of saying it.

A refused argument names itself, its value and the rule:
`num_filters must be an integer >= 1; got -3.` Constructors (the models,
`from_preset`, the bijectors) check their arguments with `integer`,
`number`, `choice` and `flag`, raising `ValueError` (`TypeError` for a
non-callable network). Calls check their tensors: eagerly they raise
`ValueError`; inside a traced function (a `tf.function`, a SavedModel) the
run-time part is an assert op raising `InvalidArgumentError` with the same
words (`_assert`), instead of letting a wrong input come out as NaN.

    integer(v, name, minimum)            a Python/NumPy integer, not a bool
    number(v, name, minimum=, above=, below=)   a finite real number
    choice(v, name, choices), flag(v, name), callable_(v, name)
    Rule(...)(v, name)                   one of those as data: a setting's
                                         bounds, which the models' settings
                                         and the job's flags both check with
    num_samples(n)                       an integer >= 0 (a tensor in graphs)
    temperature(t)                       a number > 0 (a tensor in graphs)
    event_shape(x, shape, what)          (batch...,) + shape
    density_input(x, ...)                what `log_prob` / `encode` take
    labels(label, num_classes)           class labels of a conditional model
    pixels(p, num_levels)                what `bits_per_dim` takes
    pixel_array(a, where, num_levels)    an array of images read from a
                                         file: integer (N, H, W[, C]) pixels
    pixel_span(a, num_levels)            the range test both share
"""

import dataclasses
import numbers
import typing

import numpy as np
import tensorflow as tf


def _refuse(name, value, rule, error=ValueError):
  raise error(f"{name} must be {rule}; got {value!r}.")


def integer(value, name, minimum=None):
  """`value` as an int; refuses bools, floats and strings, and values
  below `minimum`."""
  if isinstance(value, bool) or not isinstance(value, numbers.Integral):
    _refuse(name, value, "an integer" + (f" >= {minimum}" if minimum is not
                                         None else ""))
  if minimum is not None and value < minimum:
    _refuse(name, value, f"an integer >= {minimum}")
  return int(value)


def optional_integer(value, name, minimum=None):
  return None if value is None else integer(value, name, minimum)


def number(value, name, minimum=None, above=None, below=None):
  """`value` as a finite float in the given bounds (`minimum` inclusive,
  `above` and `below` exclusive)."""
  bounds = []
  if minimum is not None:
    bounds.append(f">= {minimum}")
  if above is not None:
    bounds.append(f"> {above}")
  if below is not None:
    bounds.append(f"< {below}")
  rule = "a number" + (" " + " and ".join(bounds) if bounds else "")
  if isinstance(value, bool) or not isinstance(value, numbers.Real):
    _refuse(name, value, rule)
  value = float(value)
  if (not np.isfinite(value) or (minimum is not None and value < minimum) or
      (above is not None and value <= above) or
      (below is not None and value >= below)):
    _refuse(name, value, rule)
  return value


def choice(value, name, choices):
  if value not in choices:
    _refuse(name, value, f"one of {', '.join(map(repr, choices))}")
  return value


def flag(value, name):
  if not isinstance(value, (bool, np.bool_)):
    _refuse(name, value, "True or False")
  return bool(value)


def callable_(value, name):
  if not callable(value):
    _refuse(name, value, "callable", TypeError)
  return value


@dataclasses.dataclass(frozen=True)
class Rule:
  """What a setting may be, as data: `rule(value, name)` checks `value`
  (raising `ValueError` in the words above) and returns it converted.

  Attributes:
    kind: "integer", "number", "choice", "flag", "shape" (a tuple of
      integers >= 1), or "any" (checked elsewhere, e.g. by the bijector it
      configures).
    minimum, above, below, choices: the bounds of `integer`, `number` and
      `choice`.
    optional: None is allowed (the setting is "not set").
    check: for "any": callable(value) -> an error message or None.
  """
  kind: str
  minimum: typing.Any = None
  above: typing.Any = None
  below: typing.Any = None
  choices: typing.Optional[tuple] = None
  optional: bool = False
  check: typing.Optional[typing.Callable] = None

  def __call__(self, value, name):
    if value is None and self.optional:
      return None
    if self.kind == "integer":
      return integer(value, name, self.minimum)
    if self.kind == "number":
      return number(value, name, self.minimum, self.above, self.below)
    if self.kind == "choice":
      return choice(value, name, self.choices)
    if self.kind == "flag":
      return flag(value, name)
    if self.kind == "shape":
      if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        _refuse(name, value, "a tuple of integers >= 1")
      return tuple(integer(d, f"{name}[{i}]", 1) for i, d in enumerate(value))
    error = self.check and self.check(value)
    if error:
      raise ValueError(error)
    return value

  def describe(self):
    """The rule in words ("an integer >= 1"), "" for "any"."""
    words = {"integer": "an integer", "number": "a number",
             "flag": "True or False", "shape": "a tuple of integers >= 1"}
    if self.kind == "choice":
      text = f"one of {', '.join(map(repr, self.choices))}"
    else:
      bounds = [f"{op} {v}" for op, v in ((">=", self.minimum),
                                           (">", self.above),
                                           ("<", self.below)) if v is not None]
      text = " ".join(filter(None, [words.get(self.kind, ""),
                                    " and ".join(bounds)]))
    return text + (", or None" if self.optional and text else "")

  def problem(self, value, name):
    """The message `self(value, name)` would raise, or None."""
    try:
      self(value, name)
    except ValueError as e:
      return str(e)
    return None


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
