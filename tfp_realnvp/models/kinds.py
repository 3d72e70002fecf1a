"""What differs between kinds of model, for the layers above `models/`.

The job, the export, the scores and the figures ask a model's `kind` (a
class attribute: `RealNVP.kind is IMAGE`) instead of testing its class, so
a new kind of model (a conditional or another coupling) is one `Kind`
here, not a branch in each caller.
"""

import dataclasses

__all__ = ["Kind", "IMAGE", "VECTOR"]


@dataclasses.dataclass(frozen=True)
class Kind:
  """A kind of model.

  Attributes:
    data_name: what one example is called in exported signatures' inputs.
    sample_name: what `sample`'s output is called there.
    integer_data: its data are integer pixels (`num_levels` of them): it
      has `bits_per_dim`, scores read pixels, the export has a
      `bits_per_dim` signature.
    images: its figures are image grids (and the latent manifold), else
      a density plot of the first two features.
  """
  data_name: str
  sample_name: str
  integer_data: bool
  images: bool


IMAGE = Kind(data_name="images", sample_name="images", integer_data=True,
             images=True)
VECTOR = Kind(data_name="points", sample_name="samples", integer_data=False,
              images=False)
