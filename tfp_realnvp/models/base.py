"""What image and vector Real NVP models share: a Keras 3 model around a TFP flow.

A `FlowModel` owns every network and batch-norm statistics layer as Keras
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
  * what a run shows and serves: `sample_figure`, `extra_figures`,
    `export_signatures`, `architecture`.

The Keras call context decides which statistics the batch norms use: batch
statistics under `fit` (`training=True`), moving averages in `evaluate`,
`predict` and sampling.
"""

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from tfp_realnvp import bijectors as rnvp_bijectors
from tfp_realnvp.bijectors import _compat
from tfp_realnvp.data import pipeline
from tfp_realnvp.models import checks
from tfp_realnvp.models.optimizer import default_optimizer

tfb, tfd = tfp.bijectors, tfp.distributions


class FlowModel(keras.Model):
  """Base class; subclasses build the flow and define `call`."""

  metric_name = "loss_value"
  loss_units_per_nat = 1.0
  data_name = "x"          # the exported signatures' name of the data
  sample_key = "samples"   # the output of the exported `sample`
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

  def _set_flow(self, encoder, event_shape, networks, batch_norms):
    """Stores the flow; `encoder` maps data -> latent."""
    self.coupling_networks = list(networks)
    self.batch_norm_statistics = [bn.statistics for bn in batch_norms]
    self._bijector = tfb.Invert(encoder, name="generator")
    base = tfd.Sample(
        tfd.Normal(tf.zeros([], self.flow_dtype), tf.ones([], self.flow_dtype)),
        sample_shape=list(event_shape))
    self._distribution = tfd.TransformedDistribution(base, self._bijector)
    self._event_shape = tuple(int(d) for d in event_shape)

  @property
  def bijector(self):
    return self._bijector

  @property
  def distribution(self):
    return self._distribution

  @property
  def event_shape(self):
    return self._event_shape

  def architecture(self):
    """The config entries that define the function (config.json's guard)."""
    return {k: (list(v) if isinstance(v, tuple) else v)
            for k, v in self.get_config().items()
            if k not in self.NOT_ARCHITECTURE}

  # -- inputs and conditioning ----------------------------------------------

  def _split_inputs(self, inputs):
    if isinstance(inputs, dict):
      return inputs["x"], inputs.get("label")
    return inputs, None

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
        {rnvp_bijectors.AffineCoupling: {"label": tf.convert_to_tensor(label)}})

  # -- density and sampling -------------------------------------------------

  def log_prob(self, x, label=None):
    """Exact log-density of `x` (batch + event shape)."""
    x = tf.convert_to_tensor(x)
    checks.check_event_shape(x, self._event_shape)
    x = tf.identity(tf.cast(x, self.flow_dtype))  # a fresh key for TFP's cache
    return self._distribution.log_prob(
        x, bijector_kwargs=self._bijector_kwargs(label))

  def sample_latent(self, n, temperature=1.0, seed=None):
    """`n` (a Python int or scalar int32 tensor) standard Normal latents
    times `temperature`; stateless and reproducible when `seed` (an int or
    a scalar integer tensor) is given."""
    shape = tf.concat([tf.reshape(tf.cast(n, tf.int32), [1]),
                       tf.constant(self._event_shape, tf.int32)], axis=0)
    if seed is None:
      z = tf.random.normal(shape, dtype=self.flow_dtype)
    else:
      z = tf.random.stateless_normal(shape, seed=stateless_seed(seed),
                                     dtype=self.flow_dtype)
    return z * tf.cast(temperature, self.flow_dtype)

  def decode(self, z, label=None):
    """latent -> data: the generative direction (moving batch-norm averages)."""
    return self._bijector.forward(tf.identity(z),
                                  **self._bijector_kwargs(label))

  def encode(self, x, label=None):
    """data -> latent."""
    x = tf.convert_to_tensor(x)
    checks.check_event_shape(x, self._event_shape)
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
    """The weights the L2 penalty acts on: what each coupling network
    lists (subclasses add the weights of other parts they train)."""
    return [w for net in self.coupling_networks for w in net.l2_weights()]

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

  def mean_score(self, data, labels=None, num_draws=1, batch_size=256,
                 verbose=0):
    """Mean of what `call` returns (bits/dim for images, NLL in nats for
    vectors) over every example and `num_draws` draws of `call`'s randomness
    (the dequantization noise), with the moving batch-norm averages.

    One pass over the data: each batch's draws run inside one traced
    function (a loop over draws in the graph, one draw's memory), so the
    split is read and decoded once whatever `num_draws`. On several
    replicas it runs Keras' distributed `predict` once per draw instead.

    `data`: a batched `tf.data.Dataset`, or in-memory examples (and `labels`).
    `verbose`: Keras' progress display over the batches (0 silent, 1 a
    bar, 2 one line at the end).
    """
    if not isinstance(data, tf.data.Dataset):
      data = pipeline.in_memory(data, labels, batch_size=batch_size)
    if self.distribute_strategy.num_replicas_in_sync > 1:
      return float(np.mean([np.mean(self.predict(data, verbose=verbose))
                            for _ in range(num_draws)]))
    draws = tf.constant(num_draws)

    def batch_sums(inputs):
      means = self.mean_over_draws(inputs, draws)
      return tf.reduce_sum(means), tf.shape(means)[0]

    return self._reduce_batches(data, batch_sums, verbose=verbose)

  def _reduce_batches(self, data, batch_sums, labels=None, batch_size=256,
                      verbose=0):
    """sum(totals) / sum(counts) of `batch_sums(batch) -> (total, count)`
    over the batches of `data` (a batched `tf.data.Dataset`, or in-memory
    examples and `labels`), with Keras' progress display (`verbose`)."""
    if not isinstance(data, tf.data.Dataset):
      data = pipeline.in_memory(data, labels, batch_size=batch_size)
    batches = int(data.cardinality())
    progress = keras.utils.Progbar(batches if batches > 0 else None,
                                   verbose=verbose, unit_name="batch",
                                   stateful_metrics=[self.metric_name])
    total, count = 0., 0
    for i, batch in enumerate(data):
      batch_total, batch_count = batch_sums(batch)
      total += float(batch_total)
      count += int(batch_count)
      progress.update(i + 1, [(self.metric_name, total / count)])
    return total / count if count else float("nan")

  @tf.function(reduce_retracing=True)
  def mean_over_draws(self, inputs, num_draws):
    """Per example, the mean of what `call` returns over `num_draws` draws
    of its randomness (moving batch-norm averages), traced once: one
    draw's memory, the draws in a graph loop (`sequential_loop`)."""
    x, _ = self._split_inputs(inputs)
    total = sequential_loop(
        num_draws, lambda k, total: total + tf.cast(
            self(inputs, training=False), self.flow_dtype),
        tf.zeros(tf.shape(x)[:1], self.flow_dtype))
    return total / tf.cast(num_draws, self.flow_dtype)

  # -- what a run shows and serves --------------------------------------------

  def sample_figure(self, num_samples, temperature=1.0, seed=0):
    """The picture of the model a person looks at: uint8 (H, W, C)."""
    raise NotImplementedError

  def extra_figures(self, seed=0):
    """Further figures of `--mode=sample`: {file stem: uint8 image}."""
    del seed
    return {}

  def export_signatures(self):
    """{name: tf.function with an input signature} for a SavedModel; inputs
    and outputs are named for what they are:

      log_prob(<data_name>[, labels]) -> {"log_prob"}
      sample(num_samples, temperature, seed[, labels]) -> {<sample_key>}

    `seed` (int64) makes `sample` reproducible: the same seed, the same
    samples. `labels` (int32, one per example) only for conditional models.
    """
    labels = self._label_specs()
    data = tf.TensorSpec((None,) + self._event_shape, tf.float32,
                         name=self.data_name)

    def log_prob(x, labels=None):
      x = checks.asserted_event_shape(x, self._event_shape, self.data_name)
      return {"log_prob": self.log_prob(x, labels)}

    def sample(num_samples, temperature, seed, labels=None):
      return {self.sample_key: self.sample(num_samples, temperature,
                                           seed=seed, label=labels)}

    return {
        "log_prob": tf.function(log_prob, input_signature=[data] + labels),
        "sample": tf.function(sample, input_signature=[
            tf.TensorSpec([], tf.int32, name="num_samples"),
            tf.TensorSpec([], tf.float32, name="temperature"),
            tf.TensorSpec([], tf.int64, name="seed")] + labels)}

  def _label_specs(self):
    """[the `labels` input of a signature] for a conditional model, else []."""
    return [tf.TensorSpec([None], tf.int32, name="labels")] * (
        self.num_classes is not None)

  def get_config(self):
    return {"l2_coeff": self.l2_coeff, "num_classes": self.num_classes,
            "name": self.name}


def stateless_seed(seed, stream=0):
  """The (2,) seed of TF's stateless ops: [seed, stream] for an int or a
  scalar tensor `seed` (`stream` keeps uses of one seed apart); a random
  one for None."""
  if seed is None:
    return tf.random.uniform([2], maxval=2 ** 31 - 1, dtype=tf.int64)
  if tf.is_tensor(seed):
    return tf.stack([tf.cast(seed, tf.int64), tf.constant(stream, tf.int64)])
  return [int(seed), stream]


def sequential_loop(num_iterations, body, initial):
  """`initial` folded through `body(k, value)` for k in [0, num_iterations),
  a graph loop whose iterations run one at a time.

  TensorFlow would otherwise overlap a while-loop's iterations
  (`parallel_iterations=10`) and run one oneDNN convolution kernel from two
  threads at once; oneDNN's kernels are not safe for that (heap
  corruption, a segfault within a few hundred draws of a model).
  """
  _, value = tf.while_loop(
      lambda k, _: k < num_iterations, lambda k, v: (k + 1, body(k, v)),
      (tf.constant(0), initial), parallel_iterations=1)
  return value
