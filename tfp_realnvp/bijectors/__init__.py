"""Bijectors of Real NVP, as `tfp.bijectors.Bijector` subclasses.

    coupling.py         the coupling equation; `Coupling`, the base
    elementwise.py      its inner transformation: affine (Real NVP), additive (NICE)
    rq_spline.py, mixture_cdf.py   richer inner maps (Neural Spline Flows, Flow++)
    masked_coupling.py  MaskedCoupling; CheckerboardAffineCoupling, MaskedAffineCoupling
    split_coupling.py   SplitCoupling; ChannelAffineCoupling
    masks.py            the masks
    squeeze.py, factor_out.py, batch_norm.py, logit.py   the other pieces
    actnorm.py, conv1x1.py   Glow's normalization and channel mixing
    multiscale.py       MultiScale: the paper's architecture, one bijector
    tree.py             one walk over a bijector tree: its networks, batch norms
    routing.py          conditioning kwargs to every bijector of a type
    greedy.py, keras_tracking.py   machinery (private APIs: ../private_api.py)

Direction convention: `forward` is the paper's `f`, data -> latent (the
normalising direction); a generative model is `tfb.Invert` of a chain of them.

Importing them first checks the versions of TensorFlow, TFP, Keras and NumPy
(`tfp_realnvp/versions.py`): every model and the job import them.
"""

from tfp_realnvp import versions

versions.check()

# pylint: disable=g-import-not-at-top,wrong-import-position

from tfp_realnvp.bijectors.actnorm import ActNorm
from tfp_realnvp.bijectors.batch_norm import BatchNormalization
from tfp_realnvp.bijectors.batch_norm import BatchStatistics
from tfp_realnvp.bijectors.conv1x1 import InvertibleConv1x1
from tfp_realnvp.bijectors import elementwise
from tfp_realnvp.bijectors.mixture_cdf import logistic_mixture
from tfp_realnvp.bijectors.rq_spline import spline
from tfp_realnvp.bijectors import tree
from tfp_realnvp.bijectors.coupling import Coupling
from tfp_realnvp.bijectors.elementwise import ElementwiseFactory
from tfp_realnvp.bijectors.factor_out import FactorOut
from tfp_realnvp.bijectors.logit import LogitTransform
from tfp_realnvp.bijectors.masked_coupling import CheckerboardAffineCoupling
from tfp_realnvp.bijectors.masked_coupling import CheckerboardCoupling
from tfp_realnvp.bijectors.masked_coupling import MaskedAffineCoupling
from tfp_realnvp.bijectors.masked_coupling import MaskedCoupling
from tfp_realnvp.bijectors.masks import alternating_mask
from tfp_realnvp.bijectors.masks import channel_halves
from tfp_realnvp.bijectors.masks import checkerboard_mask
from tfp_realnvp.bijectors.multiscale import MultiScale
from tfp_realnvp.bijectors.multiscale import NetworkSpec
from tfp_realnvp.bijectors.routing import route_kwargs
from tfp_realnvp.bijectors.split_coupling import ChannelAffineCoupling
from tfp_realnvp.bijectors.split_coupling import SplitCoupling
from tfp_realnvp.bijectors.squeeze import Squeeze

__all__ = [
    "ActNorm",
    "BatchNormalization",
    "BatchStatistics",
    "ChannelAffineCoupling",
    "CheckerboardAffineCoupling",
    "CheckerboardCoupling",
    "Coupling",
    "ElementwiseFactory",
    "FactorOut",
    "InvertibleConv1x1",
    "LogitTransform",
    "MaskedAffineCoupling",
    "MaskedCoupling",
    "MultiScale",
    "NetworkSpec",
    "SplitCoupling",
    "Squeeze",
    "elementwise",
    "tree",
    "alternating_mask",
    "channel_halves",
    "checkerboard_mask",
    "logistic_mixture",
    "route_kwargs",
    "spline",
]
