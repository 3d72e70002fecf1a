"""What image and vector Real NVP models share: a Keras 3 model around a TFP flow.

A `FlowModel` holds one bijector tree, the flow; the tree builds and owns
every network and batch norm (`bijectors.tree`). The model exposes the
networks and batch-norm statistics layers the walk finds as Keras
attributes (so `model.trainable_weights` is complete and checkpoints hold the
moving averages), and exposes

  * `model.bijector`: latent -> data, `tfb.Invert` of the data -> latent chain;
  * `model.distribution`: `tfd.TransformedDistribution(standard Normal, bijector)`;
  * `model.log_prob(x, label=None)`, `model.sample(n, temperature, seed, label)`;
  * `compile()` defaults to `default_optimizer()`. The training loss is the
    mean of what `call` returns (bits/dim or nats) plus the L2 penalty:
    `l2_coeff` times the sum of squares of the weights the coupling networks
    list in `l2_weights()` (the reference's weight-norm gains and
    checkerboard tanh scales), added in nats per example as the reference
    does, i.e. times `loss_units_per_nat` in the loss's own units;
  * `architecture()`: the config entries that define the function.

Scores over data sets are functions of a model (`scoring.py`), its figures
too (`figures.py`); the job exports it (`job/export.py`).

The Keras call context decides which statistics the batch norms use: batch
statistics under `fit` (`training=True`), moving averages in `evaluate`,
`predict` and sampling.
"""

import keras
import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp import bijectors as rnvp_bijectors
from tfp_realnvp.bijectors import _compat
from tfp_realnvp.bijectors import tree
from tfp_realnvp.models import _tf
from tfp_realnvp.models import checks
from tfp_realnvp.models import inputs as model_inputs
from tfp_realnvp.models.optimizer import default_optimizer

tfb, tfd = tfp.bijectors, tfp.distributions


class FlowModel(keras.Model):
  """Base class; subclasses build the flow and define `call`."""

  metric_name = "loss_value"
  loss_units_per_nat = 1.0
  # get_config() keys that change training, not the function the weights
  # compute: a model_dir may resume with other values of them.
  NOT_ARCHITECTURE = ("name", "l2_coeff", "dropout", "seed")
  # Architecture keys added after 0.1.0, with the value a model_dir written
  # before them implicitly has.
  ADDED_LATER = {}

  def __init__(self, l2_coeff=5e-5, num_classes=None, **kwargs):
    super().__init__(**kwargs)
    self.l2_coeff = float(l2_coeff)
    self.num_classes = None if num_classes is None else int(num_classes)
    self.metric_tracker = keras.metrics.Mean(name=self.metric_name)

  @property
  def flow_dtype(self):
    """dtype of the flow's arithmetic: float32 also under mixed precision."""
    return tf.as_dtype(self.dtype_policy.variable_dtype)

  def _set_flow(self, encoder):
    """Stores the flow; `encoder` maps data -> latent of `self.event_shape`.

    Its networks and batch-norm statistics become Keras attributes, in the
    order of the tree's walk (the order checkpoints hold them in).
    """
    self.coupling_networks = tree.networks(encoder)
    self.batch_norm_statistics = tree.batch_norm_statistics(encoder)
    self._bijector = tfb.Invert(encoder, name="generator")
    base = tfd.Sample(
        tfd.Normal(tf.zeros([], self.flow_dtype), tf.ones([], self.flow_dtype)),
        sample_shape=list(self.event_shape))
    self._distribution = tfd.TransformedDistribution(base, self._bijector)

  @property
  def bijector(self):
    return self._bijector

  @property
  def distribution(self):
    return self._distribution

  @property
  def event_shape(self):
    """The shape of one example (subclasses say it)."""
    raise NotImplementedError

  def trained_parts(self):
    """What this model trains, for `tree.l2_weights`: the flow (subclasses
    add other bijector trees or networks, e.g. a learned dequantization)."""
    return [self._bijector]

  def architecture(self):
    """The config entries that define the function (config.json's guard)."""
    return {k: (list(v) if isinstance(v, tuple) else v)
            for k, v in self.get_config().items()
            if k not in self.NOT_ARCHITECTURE}

  # -- inputs and conditioning ----------------------------------------------

  @staticmethod
  def split_inputs(inputs):
    """(x, label or None) of what `call` takes (`inputs.py`)."""
    return model_inputs.unpack(inputs)

  @staticmethod
  def pack_inputs(x, label=None):
    """What `call` takes for x and (for a conditional model) labels."""
    return model_inputs.pack(x, label)

  def _bijector_kwargs(self, label):
    if self.num_classes is None:
      if label is not None:
        raise ValueError("This model is unconditional; do not pass `label`.")
      return {}
    if label is None:
      raise ValueError(f"This model is class-conditional ({self.num_classes} "
                       "classes); pass `label`.")
    return rnvp_bijectors.route_kwargs(
        self._bijector,
        {rnvp_bijectors.Coupling: {"label": tf.convert_to_tensor(label)}})

  # -- density and sampling -------------------------------------------------

  def log_prob(self, x, label=None):
    """Exact log-density of `x` (batch + event shape)."""
    x = tf.convert_to_tensor(x)
    checks.check_event_shape(x, self.event_shape)
    x = tf.identity(tf.cast(x, self.flow_dtype))  # a fresh key for TFP's cache
    return self._distribution.log_prob(
        x, bijector_kwargs=self._bijector_kwargs(label))

  def sample_latent(self, n, temperature=1.0, seed=None):
    """`n` (a Python int or scalar int32 tensor) standard Normal latents
    times `temperature`; stateless and reproducible when `seed` (an int or
    a scalar integer tensor) is given."""
    shape = tf.concat([tf.reshape(tf.cast(n, tf.int32), [1]),
                       tf.constant(self.event_shape, tf.int32)], axis=0)
    if seed is None:
      z = tf.random.normal(shape, dtype=self.flow_dtype)
    else:
      z = tf.random.stateless_normal(shape, seed=_tf.stateless_seed(seed),
                                     dtype=self.flow_dtype)
    return z * tf.cast(temperature, self.flow_dtype)

  def decode(self, z, label=None):
    """latent -> data: the generative direction (moving batch-norm averages)."""
    return self._bijector.forward(tf.identity(z),
                                  **self._bijector_kwargs(label))

  def encode(self, x, label=None):
    """data -> latent."""
    x = tf.convert_to_tensor(x)
    checks.check_event_shape(x, self.event_shape)
    return self._bijector.inverse(tf.identity(tf.cast(x, self.flow_dtype)),
                                  **self._bijector_kwargs(label))

  def sample(self, n, temperature=1.0, seed=None, label=None):
    """`n` samples; `temperature` scales the base Normal's standard deviation."""
    if label is not None:
      label = tf.broadcast_to(tf.cast(label, tf.int32),
                              tf.reshape(tf.cast(n, tf.int32), [1]))
    return self.decode(self.sample_latent(n, temperature, seed), label)

  # -- training -------------------------------------------------------------

  def compile(self, optimizer=None, **kwargs):
    super().compile(optimizer=optimizer or default_optimizer(), **kwargs)
    # Create the optimizer's slots now (in the strategy's scope, if any):
    # left to the first training step, they make tf.function trace the
    # step twice (once creating variables, once without), doubling the
    # first epoch's time.
    self.optimizer.build(self.trainable_variables)

  def l2_weights(self):
    """The weights the L2 penalty acts on: what each network of the
    model's bijector trees lists (`tree.l2_weights`)."""
    return tree.l2_weights(*self.trained_parts())

  def l2_penalty(self):
    weights = self.l2_weights()
    if not weights:
      return tf.zeros([], self.flow_dtype)
    return tf.add_n([tf.reduce_sum(tf.square(tf.cast(w, self.flow_dtype)))
                     for w in weights])

  def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                   training=True):
    del x, y, sample_weight, training
    self.metric_tracker.update_state(y_pred)
    loss = (tf.reduce_mean(y_pred) +
            self.l2_coeff * self.loss_units_per_nat * self.l2_penalty())
    # Under tf.distribute each replica's gradients are summed: the loss of a
    # replica is its share of the mean (what Keras' own losses do).
    replicas = self.distribute_strategy.num_replicas_in_sync
    return loss / replicas if replicas > 1 else loss

  def compute_metrics(self, x, y, y_pred, sample_weight=None):
    results = super().compute_metrics(x, y, y_pred, sample_weight)
    if _compat.in_multi_worker_mode(self.distribute_strategy):
      # Keras 3.15 averages a multi-worker step's results with
      # strategy.reduce("MEAN", v, axis=0), which fails on scalars: give
      # them that axis (the mean over it and the workers is the same).
      results = {k: tf.reshape(v, [1]) for k, v in results.items()}
    return results

  def get_config(self):
    return {"l2_coeff": self.l2_coeff, "num_classes": self.num_classes,
            "name": self.name}

