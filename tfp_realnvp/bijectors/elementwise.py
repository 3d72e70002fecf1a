"""The inner transformation of a coupling: parameters -> an element-wise bijector.

A coupling's network maps the kept entries to parameters theta; an
`ElementwiseFactory` turns theta into an element-wise `tfb.Bijector` g_theta
(`forward_min_event_ndims = 0`: each entry's log-derivative is its own),
which the coupling applies to the transformed entries (`coupling.py`):

    affine   (Real NVP, eq. 5):  g(x) = x * exp(s) + t     log g'(x) = s
    additive (NICE):              g(x) = x + t              log g'(x) = 0

The network returns the parameters in the order of `parameter_names`:
`(shift, log_scale)` for `affine`, `(shift,)` (or the tensor alone) for
`additive`. Any other element-wise TFP bijector plugs in the same way, e.g.
`ElementwiseFactory(("log_scale",), lambda s: tfb.Scale(log_scale=s))`.
"""

import dataclasses
import typing

import tensorflow_probability as tfp

tfb = tfp.bijectors

__all__ = ["ElementwiseFactory", "affine", "additive"]


@dataclasses.dataclass(frozen=True)
class ElementwiseFactory:
  """`factory(*parameters) -> tfb.Bijector`, element-wise.

  Attributes:
    name: what the transformation is called in messages ("affine").
    parameter_names: the network's outputs, in order.
    make: callable(*parameters) -> an element-wise `tfb.Bijector`.
  """
  name: str
  parameter_names: typing.Tuple[str, ...]
  make: typing.Callable[..., tfb.Bijector]

  def __call__(self, *parameters):
    return self.make(*parameters)


def _affine(shift, log_scale):
  # Chain applies its last bijector first: x * exp(s), then + t.
  return tfb.Chain([tfb.Shift(shift), tfb.Scale(log_scale=log_scale)])


affine = ElementwiseFactory("affine", ("shift", "log_scale"), _affine)
additive = ElementwiseFactory("additive", ("shift",), tfb.Shift)
