"""Keras 3 models around the Real NVP flow.

    base.py        FlowModel: the flow, its distribution, loss, figures, export
    image.py       RealNVP: the multi-scale image model (bits/dim)
    vector.py      VectorRealNVP: the same pieces for vectors (nats)
    dequantization.py  the dequantization noise: uniform, or a learned q(u|x)
    multiscale.py  the multi-scale architecture and its width schedule
    networks.py    the s/t networks (reference ResNet, MLP), the context net
    optimizer.py   the training optimizer (Adam, one fused kernel per variable)
    presets.py     the paper's architectures
"""

from tfp_realnvp.models.base import FlowModel
from tfp_realnvp.models.optimizer import FusedAdam
from tfp_realnvp.models.optimizer import default_optimizer
from tfp_realnvp.models.image import RealNVP
from tfp_realnvp.models.presets import PRESETS
from tfp_realnvp.models.vector import VectorRealNVP

__all__ = ["FlowModel", "FusedAdam", "PRESETS", "RealNVP", "VectorRealNVP",
           "default_optimizer"]
