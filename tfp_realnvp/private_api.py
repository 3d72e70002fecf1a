"""Every use of a private TensorFlow, TFP or Keras API in this package, with why.

Nothing else in `tfp_realnvp` imports a private module or reads a private
attribute; when a dependency changes one of these, this file is the one to
mend. Each entry says what it uses, why no public API does the job, and what
breaks without it.

* `prefer_static` (TFP internal): shape arithmetic that stays Python/numpy
  when the shape is static and becomes tensors only when it is not. The
  couplings and the squeeze reshape with it, so a known image size stays a
  constant in the graph (XLA needs static shapes; `tf.shape` would make every
  reshape dynamic). TFP's own bijectors use it the same way.
* `cache_util.BijectorCacheWithGreedyAttrs` (TFP internal): the bijector cache
  that stores log-dets next to outputs, so each coupling runs its network once
  per direction (`greedy.py`). TFP's `tfb.FFJORD` uses it; there is no public
  hook for it.
* The Keras call context (`keras.src.backend.common.global_state`): whether
  the enclosing Keras call is training, for the batch-norm bijector when its
  caller does not say. `TrainingModeGreedyCache` puts that mode into the
  cache key, so a tensor evaluated while training and again in inference can
  never be served the batch-statistics result.
* A Keras 3 variable's `_value`: the `tf.Variable` behind it, which
  `tf.Module` tracking (and so `bijector.trainable_variables` and SavedModel)
  can see; the public `.value` returns a cast copy under mixed precision.
* Keras Adam's slot lists (`_momentums`, `_velocities`) and
  `_get_variable_index`: the optimizer's `m` and `v` of one variable, for
  `models/optimizer.py`'s fused update. Keras' `update_step` reads them the
  same way; no public accessor exists.
* TFP's private `_Chain` (`tfb.Chain` of bijectors that are not
  CompositeTensors, which TFP's `Chain.__new__` returns instead of a
  `tfb.Chain`) and a `tfb.Composition`'s `_bijectors`: a composition built
  around one chain (TFP's `Glow`, this package's `MultiScale`) applies that
  chain's parts last first, which its public `bijectors` list does not say.
  `tree.walk` needs the order in which `forward` applies the parts, so that
  a flow's networks come out in the order the model's checkpoints hold them.
* `strategy.extended._in_multi_worker_mode()` (TF internal): whether a
  `MultiWorkerMirroredStrategy` spans several workers (with one worker it
  behaves like a local strategy). Keras 3.15 needs a workaround only then.
"""

import tensorflow as tf
import tensorflow_probability as tfp
from keras.src.backend.common import global_state
from tensorflow_probability.python.bijectors import chain as tfp_chain
from tensorflow_probability.python.internal import cache_util
from tensorflow_probability.python.internal import prefer_static

__all__ = ["ps", "greedy_cache", "TrainingModeGreedyCache",
           "keras_training_mode", "underlying_variable",
           "in_multi_worker_mode", "adam_slots",
           "composition_parts_in_forward_order"]

ps = prefer_static
tfb = tfp.bijectors

_FORWARD, _INVERSE = "_augmented_forward", "_augmented_inverse"


def greedy_cache():
  """A cache calling `_augmented_forward/_inverse -> (out, {"fldj", "ildj"})`."""
  return cache_util.BijectorCacheWithGreedyAttrs(forward_name=_FORWARD,
                                                 inverse_name=_INVERSE)


def keras_training_mode():
  """`training` of the enclosing Keras layer call, or None outside one."""
  context = global_state.get_global_attribute("current_call_ctx")
  # `training` is an attribute of the context in every Keras 3 (get_value()
  # reads it since 3.10).
  return None if context is None else getattr(context, "training", None)


class TrainingModeGreedyCache(cache_util.BijectorCacheWithGreedyAttrs):
  """A greedy cache whose key always holds `training=True/False`.

  A caller that passes no `training` gets the enclosing Keras call's mode
  (False outside any Keras call) written into the keyword arguments before
  the cache looks them up, so the bijector sees the mode explicitly and the
  same input tensor gets one cache entry per mode.
  """

  def __init__(self, forward_name=_FORWARD, inverse_name=_INVERSE, **kwargs):
    super().__init__(forward_name=forward_name, inverse_name=inverse_name,
                     **kwargs)

  @staticmethod
  def _explicit(kwargs):
    if kwargs.get("training") is None:
      kwargs = {**kwargs, "training": bool(keras_training_mode())}
    return kwargs

  def forward(self, x, **kwargs):
    return super().forward(x, **self._explicit(kwargs))

  def inverse(self, y, **kwargs):
    return super().inverse(y, **self._explicit(kwargs))

  def forward_attributes(self, x, **kwargs):
    return super().forward_attributes(x, **self._explicit(kwargs))

  def inverse_attributes(self, y, **kwargs):
    return super().inverse_attributes(y, **self._explicit(kwargs))


def underlying_variable(weight):
  """The `tf.Variable` behind a Keras 3 (or tf_keras) weight, or None."""
  if isinstance(weight, tf.Variable):
    return weight
  raw = getattr(weight, "_value", None)
  return raw if isinstance(raw, tf.Variable) else None


def in_multi_worker_mode(strategy):
  """Whether `strategy` is a MultiWorkerMirroredStrategy over several workers."""
  return (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and
          strategy.extended._in_multi_worker_mode())  # pylint: disable=protected-access


def adam_slots(optimizer, variable):
  """(m, v): a built `keras.optimizers.Adam`'s slot variables of `variable`."""
  index = optimizer._get_variable_index(variable)  # pylint: disable=protected-access
  return optimizer._momentums[index], optimizer._velocities[index]  # pylint: disable=protected-access


def composition_parts_in_forward_order(composition):
  """The parts of a `tfb.Composition` in the order its `forward` applies
  them: a chain's (or a composition's around one chain) last part first;
  other compositions' (`JointMap`, `Blockwise`) as they list them."""
  inner = composition
  while (not isinstance(inner, tfp_chain._Chain) and  # pylint: disable=protected-access
         isinstance(getattr(inner, "_bijectors", None), tfb.Composition)):
    inner = inner._bijectors  # pylint: disable=protected-access
  parts = list(composition.bijectors)
  return parts[::-1] if isinstance(inner, tfp_chain._Chain) else parts  # pylint: disable=protected-access
