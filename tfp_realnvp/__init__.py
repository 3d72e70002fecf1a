"""tfp_realnvp: Real NVP (Dinh, Sohl-Dickstein, Bengio, ICLR 2017) for TFP."""

from tfp_realnvp import bijectors

__version__ = "0.1.0"
