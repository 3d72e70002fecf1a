"""What image and vector Real NVP models share: a Keras 3 model around a TFP flow.

A `FlowModel` holds one bijector tree, the flow; the tree builds and owns
every network and batch norm (`bijectors.tree`). The model exposes the
networks and batch-norm statistics layers the walk finds as Keras
attributes (so `model.trainable_weights` is complete and checkpoints hold the
moving averages), and exposes

  * `model.bijector`: latent -> data, `tfb.Invert` of the data -> latent chain;
  * `model.distribution`: `tfd.TransformedDistribution(standard Normal, bijector)`;
  * `log_prob(x, label, condition)`, `sample(n, temperature, seed, label,
    condition)`, `encode`, `decode` (conditioning: `conditioning.py`);
  * `compile()` defaults to `default_optimizer()`. The training loss is the
    mean of what `call` returns (bits/dim or nats) plus the L2 penalty:
    `l2_coeff` times the sum of squares of the weights the coupling networks
    list in `l2_weights()` (the reference's weight-norm gains and
    checkerboard tanh scales), added in nats per example as the reference
    does, i.e. times `loss_units_per_nat` in the loss's own units;
  * `architecture()`: the settings that define the function (`settings.py`).
Scores over data sets (`scoring.py`) and figures (`figures.py`) are
functions of a model.

The Keras call context decides which statistics the batch norms use: batch
statistics under `fit` (`training=True`), moving averages in `evaluate`,
`predict` and sampling.
"""

import math

import keras
import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp import private_api
from tfp_realnvp.bijectors import tree
from tfp_realnvp.models import seeds
from tfp_realnvp.models import onednn_safe
from tfp_realnvp import checks
from tfp_realnvp.models import conditioning
from tfp_realnvp.models import inputs as model_inputs
from tfp_realnvp.models import kinds
from tfp_realnvp.models import settings as settings_lib
from tfp_realnvp.models.settings import Setting
from tfp_realnvp.models.optimizer import default_optimizer

tfb, tfd = tfp.bijectors, tfp.distributions


class FlowModel(keras.Model):
  """Base class; subclasses build the flow and define `call`."""

  metric_name = "loss_value"
  loss_units_per_nat = 1.0
  # The constructor's arguments (`settings.py`), subclasses add theirs:
  # get_config(), the architecture guard, the job's flags come from it.
  SETTINGS = settings_lib.Settings(
      Setting("l2_coeff", checks.Rule("number", minimum=0),
              "L2 penalty on the networks' `l2_weights()`, in nats per "
              "example.", architecture=False),
      Setting("num_classes", checks.Rule("integer", minimum=1,
                                         optional=True),
              "If set, a class-conditional model p(x | label)."),
      Setting("condition_shape", checks.Rule("shape", optional=True),
              "If set, a conditional model p(x | condition): (K,) for a "
              "vector condition, (H', W', C') for an image of any size "
              "(`conditioning.py`).", since="0.2.0"),
      Setting("condition_encoder",
              checks.Rule("any", optional=True, check=settings_lib.is_layer),
              "A Keras layer applied to the condition first, trained with "
              "the model; the couplings see its output (a vector or feature "
              "maps) in the condition's place.", since="0.2.0", layer=True),
      Setting("validate_args", checks.Rule("flag"),
              "TFP's meaning: `log_prob` and `encode` refuse points outside "
              "the support and NaN with an error naming them (eagerly "
              "`ValueError`, in traced functions `InvalidArgumentError`); "
              "without it `log_prob` is -inf outside the support and NaN "
              "for NaN input.", architecture=False))

  # The density's support: (low, high) for every entry, or None (R^D).
  support = None
  kind = kinds.VECTOR  # what the layers above ask, not the class (kinds.py)
  # Pixel values of integer data (image models), else None.
  num_levels = None

  def __init_subclass__(cls, **kwargs):
    super().__init_subclass__(**kwargs)
    cls.SETTINGS.match(cls)  # the signature and the list agree
    cls.__doc__ = (cls.__doc__ or "") + settings_lib.docstring(cls.SETTINGS)

  def __init__(self, l2_coeff=5e-5, num_classes=None, validate_args=False,
               condition_shape=None, condition_encoder=None, **kwargs):
    super().__init__(**kwargs)
    self._set_settings(FlowModel, locals())
    self.condition_features_shape = conditioning.features_shape(self)
    self.metric_tracker = keras.metrics.Mean(name=self.metric_name)

  def _set_settings(self, owner, values):
    """Checks the settings `owner` adds to its base's (`settings.py`) in
    `values` (the constructor's `locals()`), and sets them as attributes."""
    inherited = set(owner.__mro__[1].__dict__.get("SETTINGS", ()))
    mine = settings_lib.Settings(*(s for s in owner.SETTINGS
                                   if s not in inherited))
    for name, value in mine.check(values).items():
      setattr(self, name, value)

  @property
  def flow_dtype(self):
    """dtype of the flow's arithmetic: float32 also under mixed precision."""
    return tf.as_dtype(self.dtype_policy.variable_dtype)

  def _set_flow(self, encoder):
    """Stores the flow; `encoder` maps data -> latent of `self.event_shape`.

    Its networks and batch-norm statistics become Keras attributes, in the
    order of the tree's walk (the order checkpoints hold them in).
    """
    for name, layers in tree.model_layers(encoder).items():
      setattr(self, name, layers)   # e.g. self.coupling_networks = [...]
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
    """The settings that define the function (config.json's guard)."""
    return self.SETTINGS.architecture(self)

  # -- inputs and conditioning (`inputs.py`, `conditioning.py`) ------------

  @staticmethod
  def split_inputs(inputs):
    """(x, `Given`) of what `call` takes."""
    return model_inputs.unpack(inputs)

  @staticmethod
  def pack_inputs(x, label=None, condition=None):
    """What `call` takes for x and what it is conditioned on."""
    return model_inputs.pack(x, label, condition)

  # -- density and sampling -------------------------------------------------

  def _inside(self):
    """A point of the support, for padding an empty batch."""
    return 0. if self.support is None else sum(self.support) / 2

  def _density_input(self, x):
    return checks.density_input(
        x, self.event_shape, self.flow_dtype, self.support,
        self.validate_args, self.num_levels)

  def flow_log_prob(self, x, given=model_inputs.NOTHING):
    """log p(x | given) through the flow, for x (of the flow's dtype) inside
    the support: the training path (no checks)."""
    return self._distribution.log_prob(
        tf.identity(x),  # a fresh key for TFP's cache
        bijector_kwargs=conditioning.bijector_kwargs(self, given))

  def _with_given(self, fn, x, label, condition, fill):
    """fn(x, given) of a public call, also for an empty batch."""
    given = conditioning.given_for(self, label, condition, x)
    return onednn_safe.nonempty_batch(
        lambda x, label, condition: fn(x, model_inputs.Given(label,
                                                             condition)),
        [x, *given], [fill, 0, 0.])

  def _log_prob_with_support(self, x, given):
    """-inf where an entry of an example is outside `support`; elsewhere
    the flow's log p(x), through the same ops (outside entries are replaced
    before the flow sees them, so no NaN reaches the gradient)."""
    if self.support is None:
      return self.flow_log_prob(x, given)
    low, high = self.support
    out = (x < low) | (x > high)
    log_p = self.flow_log_prob(tf.where(out, self._inside(), x), given)
    return tf.where(tf.reduce_any(out, axis=list(range(-len(
        self.event_shape), 0))), tf.constant(-math.inf, log_p.dtype), log_p)

  def log_prob(self, x, label=None, condition=None):
    """Exact log-density of float `x` (batch + event shape): -inf outside
    the support (an error with `validate_args`); NaN in, NaN out (refused
    with `validate_args`)."""
    return self._with_given(self._log_prob_with_support,
                            self._density_input(x), label, condition,
                            self._inside())

  def sample_latent(self, n, temperature=1.0, seed=None):
    """`n` (a Python int or scalar int32 tensor) standard Normal latents
    times `temperature`; stateless and reproducible when `seed` (an int or
    a scalar integer tensor) is given."""
    n, temperature = checks.num_samples(n), checks.temperature(temperature)
    shape = tf.concat([tf.reshape(tf.cast(n, tf.int32), [1]),
                       tf.constant(self.event_shape, tf.int32)], axis=0)
    if seed is None:
      z = tf.random.normal(shape, dtype=self.flow_dtype)
    else:
      z = tf.random.stateless_normal(shape, seed=seeds.stateless_seed(seed),
                                     dtype=self.flow_dtype)
    return z * tf.cast(temperature, self.flow_dtype)

  def decode(self, z, label=None, condition=None):
    """latent -> data: the generative direction (moving batch-norm averages)."""
    z = checks.density_input(z, self.event_shape, self.flow_dtype, what="z")
    return self._with_given(
        lambda z, given: self._bijector.forward(
            tf.identity(z), **conditioning.bijector_kwargs(self, given)),
        z, label, condition, 0.)

  def encode(self, x, label=None, condition=None):
    """data -> latent (outside the support: NaN, an error with
    `validate_args`)."""
    return self._with_given(
        lambda x, given: self._bijector.inverse(
            tf.identity(x), **conditioning.bijector_kwargs(self, given)),
        self._density_input(x), label, condition, self._inside())

  def sample(self, n, temperature=1.0, seed=None, label=None, condition=None):
    """`n` samples (0 gives an empty batch); `temperature` (> 0) scales the
    base Normal's standard deviation."""
    return self.decode(self.sample_latent(n, temperature, seed), label,
                       condition)

  # -- training -------------------------------------------------------------

  def compile(self, optimizer=None, **kwargs):
    super().compile(optimizer=optimizer or default_optimizer(), **kwargs)
    # Create the optimizer's slots now (in the strategy's scope, if any):
    # left to the first training step, they make tf.function trace the
    # step twice (once creating variables, once without), doubling the
    # first epoch's time.
    self.optimizer.build(self.trainable_variables)

  def compile_from_config(self, config):
    """What `keras.models.load_model` calls with `get_compile_config()`
    (Keras' own: the optimizer and the other arguments `compile` was given,
    serialized). Keras' default skips a custom `compile` with a warning;
    this one compiles as saved, and the loader then restores the
    optimizer's state (its step and moments), so `fit` continues."""
    self.compile(**keras.saving.deserialize_keras_object(config))

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
    if private_api.in_multi_worker_mode(self.distribute_strategy):
      # Keras 3.15 averages a multi-worker step's results with
      # strategy.reduce("MEAN", v, axis=0), which fails on scalars: give
      # them that axis (the mean over it and the workers is the same).
      results = {k: tf.reshape(v, [1]) for k, v in results.items()}
    return results

  def get_config(self):  # and Keras' dtype policy: a reload computes alike
    return {**self.SETTINGS.values(self), "name": self.name,
            "dtype": self.dtype_policy.name}

  @classmethod
  def from_config(cls, config):
    return cls(**cls.SETTINGS.from_config(config))


FlowModel.SETTINGS.match(FlowModel)
