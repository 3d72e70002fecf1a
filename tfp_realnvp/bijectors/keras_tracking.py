"""Make Keras 3 weights visible to `tf.Module` variable tracking.

`tf.Module.trainable_variables` walks `vars(module)` looking for `tf.Variable`s
and nested `tf.Module`s. A Keras 3 layer is neither, and a Keras 3 variable
wraps a `tf.Variable` without being one, so out of the box a TFP bijector (and
any `tfb.Chain` or `TransformedDistribution` built on it) reports no trainable
variables for a Keras 3 network. Bijectors of this package keep a list of the
underlying `tf.Variable`s of their Keras layers as an ordinary attribute, which
`tf.Module` does walk; a plain `tf.GradientTape` loop or
`tfp.vi.fit_surrogate_posterior` then trains the flow without Keras.
"""

from tfp_realnvp.private_api import underlying_variable

__all__ = ["KerasWeightsTracking", "underlying_variable"]


class KerasWeightsTracking:
  """Mixin for `tf.Module`s that own Keras layers.

  Subclasses call `self._init_keras_tracking(*layers)` (objects with
  `.weights`) and `self._track_keras_weights()` after each layer call;
  weights created lazily at the layer's first call are picked up then.
  """

  def _init_keras_tracking(self, *layers):
    self._keras_layers = tuple(l for l in layers if hasattr(l, "weights"))
    # A list attribute: `tf.Module` flattens it, and appends stay visible.
    self._keras_weights = []
    self._track_keras_weights()

  def _track_keras_weights(self):
    weights = [w for layer in self._keras_layers for w in layer.weights]
    if len(weights) == len(self._keras_weights):
      return
    known = {id(v) for v in self._keras_weights}
    for w in weights:
      v = underlying_variable(w)
      if v is not None and id(v) not in known:
        known.add(id(v))
        self._keras_weights.append(v)
