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
from tfp_realnvp import checks
from tfp_realnvp.models import heads
from tfp_realnvp.models.settings import Setting
from tfp_realnvp.models.settings import Settings

__all__ = ["COUPLINGS", "NORMALIZATIONS", "PERMUTATIONS", "inner", "head",
           "normalization", "permutation", "settings"]

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


def settings(permutation_help):
  """The `Setting`s of the three choices (since 0.2.0), for a model class's
  `SETTINGS`; `permutation_help` says what conv1x1 mixes in that model."""
  return Settings(
      Setting("coupling", checks.Rule("choice", choices=COUPLINGS),
              "The couplings' inner map: affine (the paper's), additive "
              "(NICE), spline (rational-quadratic) or logistic_mixture "
              "(Flow++) (`flow_parts.py`).", since="0.2.0"),
      Setting("normalization", checks.Rule("choice", choices=NORMALIZATIONS),
              "After each coupling: batch_norm (the paper's) or actnorm "
              "(Glow's, initialised from the first training batch).",
              since="0.2.0"),
      Setting("permutation", checks.Rule("choice", choices=PERMUTATIONS),
              "Before each coupling: reference (nothing; the paper's "
              "alternating masks) or conv1x1 " + permutation_help,
              since="0.2.0"))
