"""One walk over a tree of bijectors, and what it finds there.

A flow is a tree: `tfb.Chain`s and other `tfb.Composition`s (this package's
`MultiScale`), `tfb.Invert`, `FactorOut`, with couplings and batch norms as
leaves. `walk(tree)` yields every node once, the root first and each
composition's parts in the order its `forward` applies them (for a data ->
latent flow: from the data side). Everything a model needs to know about the
flow it holds comes from this walk:

    networks(tree)               each coupling's network, in that order
    batch_norm_statistics(tree)  each batch norm's moving-statistics layer
    actnorm_parameters(tree)     each ActNorm's layer (shift, scale, flag)
    conv1x1_factors(tree)        each 1x1 convolution's layer (W's factors)
    model_layers(tree)           all of these, as a model's attributes
    l2_weights(tree, ...)        what each network lists in `l2_weights()`

so the bijector tree is the one owner of the flow's layers.
"""

import tensorflow_probability as tfp

from tfp_realnvp import private_api
from tfp_realnvp.bijectors.actnorm import ActNorm
from tfp_realnvp.bijectors.batch_norm import BatchNormalization
from tfp_realnvp.bijectors.conv1x1 import InvertibleConv1x1
from tfp_realnvp.bijectors.coupling import Coupling
from tfp_realnvp.bijectors.factor_out import FactorOut

tfb = tfp.bijectors

__all__ = ["children", "walk", "networks", "batch_norm_statistics",
           "actnorm_parameters", "conv1x1_factors", "model_layers",
           "l2_weights"]


def children(bijector):
  """The bijectors directly inside `bijector`, in the order `forward`
  applies them (a chain's last one first)."""
  if isinstance(bijector, FactorOut):
    return [bijector.inner]
  # tfb.Invert and tfb.Chain of non-CompositeTensor bijectors are TFP's
  # private _Invert and _Chain: look at what they hold, not at their type.
  inverted = getattr(bijector, "bijector", None)
  if isinstance(inverted, tfb.Bijector):
    return [inverted]
  if isinstance(bijector, tfb.Composition):
    return private_api.composition_parts_in_forward_order(bijector)
  return []


def walk(bijector):
  """Every bijector of the tree rooted at `bijector`, root first (depth
  first, each node's children in forward order)."""
  yield bijector
  for child in children(bijector):
    yield from walk(child)


def networks(*trees):
  """Every coupling's network (`shift_and_log_scale_fn`), in walk order."""
  return [b.shift_and_log_scale_fn for tree in trees for b in walk(tree)
          if isinstance(b, Coupling)]


def batch_norm_statistics(*trees):
  """Every batch-norm bijector's statistics layer, in walk order."""
  return [b.statistics for tree in trees for b in walk(tree)
          if isinstance(b, BatchNormalization)]


def actnorm_parameters(*trees):
  """Every ActNorm's layer, in walk order."""
  return [b.parameters_layer for tree in trees for b in walk(tree)
          if isinstance(b, ActNorm)]


def conv1x1_factors(*trees):
  """Every invertible 1x1 convolution's layer, in walk order."""
  return [b.factors for tree in trees for b in walk(tree)
          if isinstance(b, InvertibleConv1x1)]


def model_layers(flow):
  """{attribute: layers} a model exposes: `coupling_networks` and
  `batch_norm_statistics` always, `actnorm_parameters` and
  `conv1x1_factors` when the flow has them (so a paper model's weights
  files are laid out as they always were)."""
  found = {"coupling_networks": networks(flow),
           "batch_norm_statistics": batch_norm_statistics(flow),
           "actnorm_parameters": actnorm_parameters(flow),
           "conv1x1_factors": conv1x1_factors(flow)}
  return {name: layers for name, layers in found.items()
          if layers or name in ("coupling_networks", "batch_norm_statistics")}


def l2_weights(*parts):
  """The weights the L2 penalty acts on: what each network lists in
  `l2_weights()` (networks without that method list none), for every
  network of the bijector trees among `parts` and every other network
  among them (a network that conditions a tree from outside, such as a
  dequantizer's context network)."""
  nets = [net for part in parts for net in (
      networks(part) if isinstance(part, tfb.Bijector) else [part])]
  return [w for net in nets for w in getattr(net, "l2_weights", list)()]
