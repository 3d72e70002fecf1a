"""A coupling network's last step: raw outputs -> the inner transformation's
parameters (`bijectors/elementwise.py`'s contract), for any inner map.

The network's output layer has `head.num_parameters * C` channels (or
units), zero-initialised, so every parameter starts at 0 and the coupling
at the identity. They are cut, in order, into one slice per parameter of
`k * C` channels (`k` its `parameter_sizes` entry): C channels for a
scalar per entry, (C, k) for a vector per entry. A parameter named
`log_scale` (the affine's, the logistic mixture's final one) is bounded as
the reference bounds Real NVP's: `scale * tanh(raw)`, `scale` one learned
scalar per network (which a network without one does not create). For the paper's affine coupling the head is exactly
the one the networks always had (`shift`, then `scale * tanh`), so
checkpoints written before other inner maps existed load unchanged.
"""

import dataclasses
import typing

import tensorflow as tf

from tfp_realnvp.bijectors import elementwise

__all__ = ["Head", "AFFINE"]


@dataclasses.dataclass(frozen=True)
class Head:
  """The names and sizes of an inner map's parameters (plain data: it is
  part of a network's config); `split` cuts a network's output into them."""
  names: typing.Tuple[str, ...]
  sizes: typing.Tuple[int, ...]

  @classmethod
  def of(cls, factory):
    """The head of an `elementwise.ElementwiseFactory`."""
    if not isinstance(factory, elementwise.ElementwiseFactory):
      raise TypeError("coupling networks take an elementwise."
                      f"ElementwiseFactory; got {factory!r}.")
    return cls(tuple(factory.parameter_names), factory.parameter_sizes)

  @classmethod
  def from_config(cls, config):
    """`config`: a Head, None (the affine head) or `get_config()`'s dict."""
    if config is None or isinstance(config, Head):
      return config or AFFINE
    return cls(tuple(config["names"]), tuple(config["sizes"]))

  def get_config(self):
    return {"names": list(self.names), "sizes": list(self.sizes)}

  @property
  def bounds_scale(self):
    """It has a `log_scale`, bounded by a learned `scale` (`split`)."""
    return "log_scale" in self.names

  @property
  def num_parameters(self):
    """Outputs per transformed entry."""
    return sum(self.sizes)

  def split(self, out, channels, scale):
    """`out` (..., num_parameters * channels) -> the parameters, each
    (..., channels) or (..., channels, k)."""
    pieces = tf.split(out, [k * channels for k in self.sizes], axis=-1)
    parameters = []
    for name, k, piece in zip(self.names, self.sizes, pieces):
      if k > 1:                                  # (..., channels, k)
        piece = tf.reshape(piece, [-1] + _inner_dims(piece) + [channels, k])
      parameters.append(scale * tf.tanh(piece) if name == "log_scale"
                        else piece)
    return tuple(parameters)


def _inner_dims(t):
  """t's dimensions between the batch and the last, static where known."""
  return [d if d is not None else tf.shape(t)[i + 1]
          for i, d in enumerate(t.shape[1:-1])]


AFFINE = Head.of(elementwise.affine)
