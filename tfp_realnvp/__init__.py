"""tfp_realnvp: Real NVP (Dinh, Sohl-Dickstein, Bengio, ICLR 2017) for TFP.

    bijectors/  the paper's pieces as `tfp.bijectors.Bijector`s
    models/     Keras 3 models around the flow (RealNVP, VectorRealNVP)
    bits.py     dequantization and the bits/dim formula
    checks/     every argument check of the public API (arguments, tensors)
    data/       data sets and input pipelines
    figures.py  sample grids and 2-D density pictures
    job/        the training job; cli.py its command line
    private_api.py  every use of a private TF, TFP or Keras API, with why
    versions.py the import-time check of TF, TFP, Keras and NumPy versions

The public names are imported on first use (PEP 562), so the command line
can import TensorFlow its own way (`quiet.py`) before anything else does.
"""

import importlib

__all__ = ["PRESETS", "RealNVP", "VectorRealNVP", "bijectors", "bits_per_dim"]
__version__ = "0.1.0"

_LAZY = {"PRESETS": "tfp_realnvp.models", "RealNVP": "tfp_realnvp.models",
         "VectorRealNVP": "tfp_realnvp.models",
         "bits_per_dim": "tfp_realnvp.bits"}


def __getattr__(name):
  if name in _LAZY:
    return getattr(importlib.import_module(_LAZY[name]), name)
  if name == "bijectors":
    return importlib.import_module("tfp_realnvp.bijectors")
  raise AttributeError(f"module 'tfp_realnvp' has no attribute {name!r}")


def __dir__():
  return sorted(list(globals()) + __all__)
