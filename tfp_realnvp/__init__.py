"""tfp_realnvp: Real NVP (Dinh, Sohl-Dickstein, Bengio, ICLR 2017) for TFP."""

from tfp_realnvp import bijectors
from tfp_realnvp.bits import bits_per_dim
from tfp_realnvp.model import RealNVP
from tfp_realnvp.presets import PRESETS
from tfp_realnvp.vector import VectorRealNVP

__all__ = ["PRESETS", "RealNVP", "VectorRealNVP", "bijectors", "bits_per_dim"]
__version__ = "0.1.0"
