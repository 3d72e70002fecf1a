"""What a model is conditioned on, from a public call to the couplings.

A model may be conditioned on class labels (`num_classes`: integers, one
per example) and on a float `condition` of shape `condition_shape`: a
vector (K,) (physical parameters, attributes, an embedding) or an image
(H', W', C') (a low-resolution or masked view of x). Both reach every
coupling as keyword arguments (`bijectors.route_kwargs`: `label=`,
`condition=`), so a conditional log-det is the unconditional one with the
condition held fixed: the condition enters only through the networks'
shift and log-scale (cINN, Ardizzone et al. 2019; SRFlow, Lugmayr et al.
2020). How each network sees it is `networks.py`'s (`condition_maps`).

    given_for(model, label, condition, x)   a public call's arguments:
        checked, one per example of the batch x (one alone is every
        example's)
    bijector_kwargs(model, given)           the couplings' keyword
        arguments; a missing or an extra one is a `ValueError` naming it
    zeros(model)                            a `Given` of one example
    features_shape(model)                   what the couplings see of a
        condition: its own shape, or its `condition_encoder`'s output's

A user's `condition_encoder` (a Keras layer, trained with the model) is
applied to the condition here, once per call, before the couplings see it.
"""

import tensorflow as tf

from tfp_realnvp import bijectors as rnvp_bijectors
from tfp_realnvp import checks
from tfp_realnvp.models.inputs import Given

__all__ = ["given_for", "bijector_kwargs", "features_shape", "zeros"]


def zeros(model):
  """A `Given` of one example, for building the weights."""
  return Given(
      None if model.num_classes is None else tf.zeros((1,), tf.int32),
      None if model.condition_shape is None else
      tf.zeros((1,) + model.condition_shape, model.flow_dtype))


def features_shape(model):
  """The shape the couplings see of one example's condition (None: no
  condition); the encoder's output is checked to be a vector or maps."""
  if model.condition_encoder is None:
    return model.condition_shape
  if model.condition_shape is None:
    raise ValueError("condition_encoder needs condition_shape: the shape of "
                     "the condition it encodes.")
  out = model.condition_encoder(tf.zeros((1,) + model.condition_shape,
                                         model.flow_dtype))
  shape = tuple(int(d) for d in out.shape[1:])
  if len(shape) not in (1, 3):
    raise ValueError(f"condition_encoder must return (batch, F) or (batch, "
                     f"H', W', F); got {(None,) + shape}.")
  return shape


def given_for(model, label, condition, x):
  """`Given(label, condition)` of a public call: each checked
  (`checks.labels`, `checks.condition`) and broadcast to x's batch."""
  batch = tf.shape(x)[:1]
  if label is not None and model.num_classes is not None:
    label = tf.broadcast_to(checks.labels(label, model.num_classes), batch)
  if condition is not None and model.condition_shape is not None:
    condition = checks.condition(condition, model.condition_shape,
                                 model.flow_dtype, model.validate_args)
    condition = tf.broadcast_to(condition, tf.concat(
        [batch, model.condition_shape], 0))
  return Given(label, condition)


def _refuse_mismatch(model, given):
  if model.num_classes is None and given.label is not None:
    raise ValueError("This model is not class-conditional; do not pass "
                     "`label`.")
  if model.num_classes is not None and given.label is None:
    raise ValueError(f"This model is class-conditional ({model.num_classes} "
                     "classes); pass `label`.")
  if model.condition_shape is None and given.condition is not None:
    raise ValueError("This model takes no condition (condition_shape=None); "
                     "do not pass `condition`.")
  if model.condition_shape is not None and given.condition is None:
    raise ValueError("This model is conditional: pass `condition` of shape "
                     f"{model.condition_shape} or (batch,) + "
                     f"{model.condition_shape}.")


def bijector_kwargs(model, given):
  """The `bijector_kwargs` of `model.bijector` for `given`."""
  _refuse_mismatch(model, given)
  if given.condition is not None and model.condition_encoder is not None:
    given = given._replace(condition=model.condition_encoder(
        tf.cast(given.condition, model.flow_dtype)))
  kwargs = {name: tf.convert_to_tensor(value)
            for name, value in given._asdict().items() if value is not None}
  if not kwargs:
    return {}
  return rnvp_bijectors.route_kwargs(model.bijector,
                                     {rnvp_bijectors.Coupling: kwargs})
