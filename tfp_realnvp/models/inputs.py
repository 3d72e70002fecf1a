"""What a model's `call` (and so `fit`, `evaluate`, `predict`) takes: the examples.

An unconditional model takes the data alone, `x`; a class-conditional one
takes `{"x": x, "label": y}`. This module is the one place that structure
is written: the models unpack it, the data sets (`tfp_realnvp.data`) build
it, the job and the scores pass it on.

    pack(x, label=None)     the examples of x (and labels)
    unpack(examples)        (x, label or None)
    map_x(fn)               examples -> the same examples with fn(x)
"""

__all__ = ["X", "LABEL", "pack", "unpack", "map_x"]

X, LABEL = "x", "label"


def pack(x, label=None):
  """What `call` takes for `x` and, for a conditional model, `label`."""
  return x if label is None else {X: x, LABEL: label}


def unpack(examples):
  """(x, label or None) of what `call` takes."""
  if isinstance(examples, dict):
    return examples[X], examples.get(LABEL)
  return examples, None


def map_x(fn):
  """A function of examples (and extra arguments, e.g. a seed) applying
  `fn(x, *args)` to their data and keeping their labels."""
  def mapped(examples, *args):
    x, label = unpack(examples)
    return pack(fn(x, *args), label)
  return mapped
