"""Keyword arguments for the sub-bijectors of a tree, chosen by their type.

TFP routes a call's keyword arguments one level deep and by name: `tfb.Chain`
gives `kwargs[sub.name]` to each sub-bijector, `tfb.Invert` passes them on,
and `FactorOut` hands them to its inner bijector. `route_kwargs` builds the
nested dictionary that reaches every sub-bijector of a given type in a tree
of `Chain`s and other compositions, `Invert` and `FactorOut` (`tree.py`),
for example a class label to every coupling of a conditional flow::

    flow.log_prob(x, bijector_kwargs=route_kwargs(
        flow.bijector, {Coupling: {"label": y}}))

Within one `Chain`, sub-bijectors that get keyword arguments must have
distinct names, or equal arguments (TFP's name-keyed protocol).
"""

from tfp_realnvp.bijectors import tree

__all__ = ["route_kwargs"]


def route_kwargs(bijector, routes):
  """Nested `bijector_kwargs` of `bijector` giving `routes[type]` to each match.

  Args:
    bijector: a `tfb.Bijector`, possibly a tree (`tree.walk`).
    routes: dict `{bijector class (or tuple of classes): kwargs dict}`; a
      sub-bijector that is an instance of a key gets that key's kwargs
      (of the first matching key).

  Returns:
    The keyword arguments to pass to `bijector` (`{}` if nothing matches).
  """
  for kind, kwargs in routes.items():
    if isinstance(bijector, kind):
      return dict(kwargs)
  parts = tree.children(bijector)
  if len(parts) == 1 and not hasattr(bijector, "bijectors"):
    return route_kwargs(parts[0], routes)  # Invert, FactorOut: passed on
  routed = {}
  for sub in parts:
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
