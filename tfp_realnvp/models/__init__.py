"""Keras 3 models around the Real NVP flow.

    base.py        FlowModel: one bijector tree, its distribution, the loss
    image.py       RealNVP: the multi-scale image model (bits/dim)
    vector.py      VectorRealNVP: the same pieces for vectors (nats)
    dequantization.py  the dequantization noise: uniform, or a learned q(u|x)
    networks.py    the s/t networks (reference ResNet, MLP), the context net
    optimizer.py   the training optimizer (Adam, one fused kernel per variable)
    presets.py     the paper's architectures
    scoring.py     scores over a data set, functions of a model
    figures.py     the figures of a model (sample grids, the manifold)
    kinds.py       what differs between kinds of model (Kind, IMAGE, VECTOR)
    settings.py    Setting, Settings: a model's one list of constructor
                   arguments (checks, get_config, architecture, job flags)
    layers.py      the Keras layers the networks are made of
    inputs.py      what `call` takes: x, or {"x": x, "label": y}
    seeds.py       stateless seeds, a seed generator a SavedModel can hold
    onednn_safe.py graph patterns TensorFlow's CPU kernels need (a loop
                   whose iterations never overlap, an empty batch)
"""

from tfp_realnvp.models import kinds
from tfp_realnvp.models.base import FlowModel
from tfp_realnvp.models.optimizer import FusedAdam
from tfp_realnvp.models.optimizer import default_optimizer
from tfp_realnvp.models.image import RealNVP
from tfp_realnvp.models.presets import PRESETS
from tfp_realnvp.models.vector import VectorRealNVP

__all__ = ["FlowModel", "FusedAdam", "PRESETS", "RealNVP", "VectorRealNVP",
           "default_optimizer", "kinds"]
