"""One evaluation per direction: the value and its log-det computed together.

TFP's default bijector cache stores outputs, not log-dets, so a
`TransformedDistribution.log_prob` runs a coupling's network once in
`inverse` and again in `inverse_log_det_jacobian`. Bijectors that mix in
`GreedyLogDet` implement `_augmented_forward(x, **kw) -> (y, {"fldj", "ildj"})`
and `_augmented_inverse(y, **kw) -> (x, {...})`; TFP's greedy-attributes
cache (the pattern of `tfb.FFJORD`, `private_api.greedy_cache`) stores the
log-dets next to the output, and the log-det methods read them back.
"""

from tfp_realnvp import private_api


class GreedyLogDet:
  """Mixin for `tfb.Bijector` subclasses; see module docstring."""

  _cache = private_api.greedy_cache()

  def _forward(self, x, **kwargs):
    return self._augmented_forward(x, **kwargs)[0]

  def _inverse(self, y, **kwargs):
    return self._augmented_inverse(y, **kwargs)[0]

  def _forward_log_det_jacobian(self, x, **kwargs):
    attrs = self._cache.forward_attributes(x, **kwargs)
    if "fldj" not in attrs:  # asked for before (or without) forward(x)
      self._cache.forward(x, **kwargs)  # fills `attrs`, through the cache's key
    return attrs["fldj"]

  def _inverse_log_det_jacobian(self, y, **kwargs):
    attrs = self._cache.inverse_attributes(y, **kwargs)
    if "ildj" not in attrs:
      self._cache.inverse(y, **kwargs)
    return attrs["ildj"]
