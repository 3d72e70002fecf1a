"""Checks of constructor and setting arguments: Python values, and `Rule`.

A refused argument names itself, its value and the rule:
`num_filters must be an integer >= 1; got -3.`
"""


import dataclasses
import numbers
import typing

import numpy as np


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
