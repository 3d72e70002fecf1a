"""Keyword arguments for the sub-bijectors of a tree, chosen by their type.

TFP routes a call's keyword arguments one level deep and by name: `tfb.Chain`
gives `kwargs[sub.name]` to each sub-bijector, `tfb.Invert` passes them on,
and `FactorOut` hands them to its inner bijector. `route_kwargs` builds the
nested dictionary that reaches every sub-bijector of a given type in a tree
of `Chain`, `Invert` and `FactorOut`, for example a class label to every
coupling of a conditional flow::

    flow.log_prob(x, bijector_kwargs=route_kwargs(
        flow.bijector, {AffineCoupling: {"label": y}}))

Within one `Chain`, sub-bijectors that get keyword arguments must have
distinct names, or equal arguments (TFP's name-keyed protocol).
"""

import tensorflow_probability as tfp

from tfp_realnvp.bijectors.factor_out import FactorOut

tfb = tfp.bijectors

__all__ = ["route_kwargs"]


def route_kwargs(bijector, routes):
  """Nested `bijector_kwargs` of `bijector` giving `routes[type]` to each match.

  Args:
    bijector: a `tfb.Bijector`, possibly a tree of `Chain`, `Invert` and
      `FactorOut`.
    routes: dict `{bijector class (or tuple of classes): kwargs dict}`; a
      sub-bijector that is an instance of a key gets that key's kwargs
      (of the first matching key).

  Returns:
    The keyword arguments to pass to `bijector` (`{}` if nothing matches).
  """
  for kind, kwargs in routes.items():
    if isinstance(bijector, kind):
      return dict(kwargs)
  if isinstance(bijector, FactorOut):
    return route_kwargs(bijector.inner, routes)
  # tfb.Invert and tfb.Chain of non-CompositeTensor bijectors are TFP's
  # private _Invert and _Chain, so look at what they hold, not at their type.
  inverted = getattr(bijector, "bijector", None)
  if isinstance(inverted, tfb.Bijector):
    return route_kwargs(inverted, routes)
  routed = {}
  for sub in getattr(bijector, "bijectors", None) or ():
    sub_kwargs = route_kwargs(sub, routes)
    if not sub_kwargs:
      continue
    if sub.name in routed and not _same(routed[sub.name], sub_kwargs):
      raise ValueError(
          f"{bijector.name}: two sub-bijectors named {sub.name!r} need "
          "different keyword arguments; give them distinct names.")
    routed[sub.name] = sub_kwargs
  return routed


def _same(a, b):
  """Whether two routed kwargs trees hold the same objects (tensors have no
  Python truth value, so `==` cannot compare them)."""
  if isinstance(a, dict) and isinstance(b, dict):
    return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
  return a is b
