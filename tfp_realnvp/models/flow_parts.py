"""The parts a model's settings choose, by name: the couplings' inner map,
the normalization after each coupling and the mixing before it.

    coupling       "affine" (Real NVP, the default), "additive" (NICE),
                   "spline" (Neural Spline Flows: 8 bins on [-3, 3]),
                   "logistic_mixture" (Flow++: 8 components)
    normalization  "batch_norm" (Real NVP, the default), "actnorm" (Glow)
    permutation    "reference" (the paper's alternating masks only, the
                   default), "conv1x1" (Glow: a learned invertible 1x1
                   convolution before each coupling, as well)

The spline's bound: the latents between couplings are about standard
Normal (the logit's output of [0.05, 0.95] lies in [-2.95, 2.95]), so
[-3, 3] holds nearly all of them; outside it a spline is the identity.
"""

from tfp_realnvp import bijectors as rnvp_bijectors
from tfp_realnvp.models import heads

__all__ = ["COUPLINGS", "NORMALIZATIONS", "PERMUTATIONS", "inner", "head",
           "normalization", "permutation"]

SPLINE_BINS = 8
SPLINE_BOUND = 3.
MIXTURE_COMPONENTS = 8

_INNER = {
    "affine": lambda: rnvp_bijectors.elementwise.affine,
    "additive": lambda: rnvp_bijectors.elementwise.additive,
    "spline": lambda: rnvp_bijectors.spline(SPLINE_BINS, SPLINE_BOUND),
    "logistic_mixture": lambda: rnvp_bijectors.logistic_mixture(
        MIXTURE_COMPONENTS),
}
COUPLINGS = tuple(_INNER)
NORMALIZATIONS = ("batch_norm", "actnorm")
PERMUTATIONS = ("reference", "conv1x1")


def inner(coupling):
  """The `ElementwiseFactory` called `coupling`."""
  return _INNER[coupling]()


def head(coupling):
  """The networks' `heads.Head` for `coupling`."""
  return heads.Head.of(inner(coupling))


def normalization(kind, dtype, index):
  """The normalization bijector after coupling `index`."""
  if kind == "actnorm":
    return rnvp_bijectors.ActNorm(dtype=dtype, name=f"actnorm_{index}")
  return rnvp_bijectors.BatchNormalization(dtype=dtype,
                                           name=f"batch_norm_{index}")


def permutation(kind, num_channels, seed, dtype, index):
  """The bijector before coupling `index`, or None (`"reference"`)."""
  if kind != "conv1x1":
    return None
  return rnvp_bijectors.InvertibleConv1x1(
      num_channels, seed=None if seed is None else seed + index,
      dtype=dtype, name=f"conv1x1_{index}")
