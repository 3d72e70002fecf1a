"""What a model's `call` (and so `fit`, `evaluate`, `predict`) takes: the examples.

An unconditional model takes the data alone, `x`; a conditional one takes
`{"x": x, "label": y}` (class labels), `{"x": x, "condition": c}` (a float
condition of the model's `condition_shape`), or both. This module is the one
place that structure is written: the models unpack it, the data sets
(`tfp_realnvp.data`) build it, the job and the scores pass it on.

    Given(label, condition)   what an example is conditioned on (None: not)
    pack(x, label=None, condition=None)   the examples
    unpack(examples)          (x, Given)
    map_x(fn)                 examples -> the same examples with fn(x)
"""

import collections

__all__ = ["X", "LABEL", "CONDITION", "Given", "NOTHING", "pack", "unpack",
           "map_x"]

X, LABEL, CONDITION = "x", "label", "condition"

# A namedtuple: `tf.nest` and `tf.function` see its tensors (None: absent).
Given = collections.namedtuple("Given", [LABEL, CONDITION])
NOTHING = Given(None, None)


def pack(x, label=None, condition=None):
  """What `call` takes for `x` and what it is conditioned on."""
  if label is None and condition is None:
    return x
  out = {X: x}
  if label is not None:
    out[LABEL] = label
  if condition is not None:
    out[CONDITION] = condition
  return out


def unpack(examples):
  """(x, `Given`) of what `call` takes."""
  if isinstance(examples, dict):
    return examples[X], Given(examples.get(LABEL), examples.get(CONDITION))
  return examples, NOTHING


def map_x(fn):
  """A function of examples (and extra arguments, e.g. a seed) applying
  `fn(x, *args)` to their data and keeping what they are conditioned on."""
  def mapped(examples, *args):
    x, given = unpack(examples)
    return pack(fn(x, *args), *given)
  return mapped
