"""Bijectors of Real NVP, as `tfp.bijectors.Bijector` subclasses.

Direction convention: `forward` is the paper's `f`, data -> latent (the
normalising direction); a generative model is `tfb.Invert` of a chain of them.
"""

from tfp_realnvp.bijectors.batch_norm import BatchNormalization
from tfp_realnvp.bijectors.batch_norm import BatchStatistics
from tfp_realnvp.bijectors.coupling import AffineCoupling
from tfp_realnvp.bijectors.coupling import ChannelAffineCoupling
from tfp_realnvp.bijectors.coupling import CheckerboardAffineCoupling
from tfp_realnvp.bijectors.coupling import MaskedAffineCoupling
from tfp_realnvp.bijectors.coupling import MaskedCoupling
from tfp_realnvp.bijectors.factor_out import FactorOut
from tfp_realnvp.bijectors.logit import LogitTransform
from tfp_realnvp.bijectors.masks import alternating_mask
from tfp_realnvp.bijectors.masks import channel_halves
from tfp_realnvp.bijectors.masks import checkerboard_mask
from tfp_realnvp.bijectors.routing import route_kwargs
from tfp_realnvp.bijectors.squeeze import Squeeze

__all__ = [
    "AffineCoupling",
    "BatchNormalization",
    "BatchStatistics",
    "ChannelAffineCoupling",
    "CheckerboardAffineCoupling",
    "FactorOut",
    "LogitTransform",
    "MaskedAffineCoupling",
    "MaskedCoupling",
    "Squeeze",
    "alternating_mask",
    "channel_halves",
    "checkerboard_mask",
    "route_kwargs",
]
