"""tfp_realnvp: Real NVP (Dinh, Sohl-Dickstein, Bengio, ICLR 2017) for TFP.

    bijectors/  the paper's pieces as `tfp.bijectors.Bijector`s
    models/     Keras 3 models around the flow (RealNVP, VectorRealNVP)
    bits.py     dequantization and the bits/dim formula
    data/       data sets and input pipelines
    figures.py  sample grids and 2-D density pictures
    job/        the training job behind `train.py`
"""

from tfp_realnvp import bijectors
from tfp_realnvp.bits import bits_per_dim
from tfp_realnvp.models import PRESETS
from tfp_realnvp.models import RealNVP
from tfp_realnvp.models import VectorRealNVP

__all__ = ["PRESETS", "RealNVP", "VectorRealNVP", "bijectors", "bits_per_dim"]
__version__ = "0.1.0"
