"""Scores of a model over a data set: the test score of a run, the score mode.

Functions of a `FlowModel`, each one pass over the data:

    mean_score(model, data, num_draws)        mean of `call` (bits/dim for
        images, NLL in nats for vectors) over every example and `num_draws`
        draws of the dequantization noise
    importance_weighted_score(model, data, K)  mean over the examples of the
        K-sample bound (`RealNVP.importance_weighted_bits_per_dim`)
    mean_over_draws(model, inputs, num_draws)  per example, the mean of
        `call` over draws, for one batch

`data` is a batched `tf.data.Dataset` of what the model's `call` takes, or
in-memory examples (and `labels`). The moving batch-norm averages are used.
Each batch's draws run inside one traced function (a loop over draws in the
graph, one draw's memory), so a split is read and decoded once whatever the
number of draws. `verbose` is Keras' progress display over the batches (0
silent, 1 a bar, 2 one line at the end).
"""

import keras
import numpy as np
import tensorflow as tf

from tfp_realnvp import checks
from tfp_realnvp.models import _tf

__all__ = ["mean_score", "importance_weighted_score", "mean_over_draws"]


def as_batches(model, data, labels=None, batch_size=256):
  """`data` as a batched `tf.data.Dataset` of the model's inputs."""
  if isinstance(data, tf.data.Dataset):
    return data
  batch_size = checks.integer(batch_size, "batch_size", 1)
  data = np.asarray(data)
  checks.event_shape(data, model.event_shape, "data")
  if model.kind.integer_data:
    checks.pixels(data, model.num_levels)
  else:
    checks.density_input(data, model.event_shape, model.flow_dtype,
                         model.support, validate_args=True, what="data")
  if np.issubdtype(data.dtype, np.integer):
    data = data.astype(np.int32)
  if (labels is None) != (model.num_classes is None):
    raise ValueError("labels must be given exactly for a class-conditional "
                     f"model (num_classes={model.num_classes}).")
  label = None if labels is None else np.asarray(
      checks.labels(labels, model.num_classes), np.int32)
  return tf.data.Dataset.from_tensor_slices(
      model.pack_inputs(data, label)).batch(batch_size)


@tf.function(reduce_retracing=True)
def mean_over_draws(model, inputs, num_draws):
  """Per example, the mean of what `model` returns over `num_draws` draws
  of its randomness (moving batch-norm averages), traced once per model:
  one draw's memory, the draws in a graph loop (`_tf.sequential_loop`)."""
  x, _ = model.split_inputs(inputs)
  total = _tf.sequential_loop(
      num_draws, lambda k, total: total + tf.cast(
          model(inputs, training=False), model.flow_dtype),
      tf.zeros(tf.shape(x)[:1], model.flow_dtype))
  return total / tf.cast(num_draws, model.flow_dtype)


def mean_score(model, data, labels=None, num_draws=1, batch_size=256,
               verbose=0):
  """Mean of `call` over the examples and `num_draws` draws. On several
  replicas it runs Keras' distributed `predict` once per draw instead."""
  num_draws = checks.integer(num_draws, "num_draws", 1)
  data = as_batches(model, data, labels, batch_size)
  if model.distribute_strategy.num_replicas_in_sync > 1:
    return float(np.mean([np.mean(model.predict(data, verbose=verbose))
                          for _ in range(num_draws)]))
  draws = tf.constant(num_draws)

  def batch_sums(_, inputs):
    means = mean_over_draws(model, inputs, draws)
    return tf.reduce_sum(means), tf.shape(means)[0]

  return _reduce_batches(model, data, batch_sums, verbose)


def importance_weighted_score(model, data, num_samples, labels=None,
                              batch_size=256, seed=0, verbose=0):
  """Mean over the examples of the `num_samples`-sample bound; batch i
  draws from the stateless seed folded from (`seed`, i)."""
  samples = tf.constant(checks.integer(num_samples, "num_samples", 1))
  data = as_batches(model, data, labels, batch_size)
  base_seed = tf.constant([checks.integer(seed, "seed"), 2], tf.int64)

  def batch_sums(index, inputs):
    pixels, label = model.split_inputs(inputs)
    scores = model.importance_weighted_from_seed(
        pixels, label,
        tf.random.experimental.stateless_fold_in(base_seed, index), samples)
    return tf.reduce_sum(scores), tf.shape(scores)[0]

  return _reduce_batches(model, data, batch_sums, verbose)


def _reduce_batches(model, data, batch_sums, verbose):
  """sum(totals) / sum(counts) of `batch_sums(i, batch) -> (total, count)`
  over the batches i = 1, 2, ... of `data`, with Keras' progress display."""
  checks.choice(verbose, "verbose", (0, 1, 2))
  batches = int(data.cardinality())
  progress = keras.utils.Progbar(batches if batches > 0 else None,
                                 verbose=verbose, unit_name="batch",
                                 stateful_metrics=[model.metric_name])
  total, count = 0., 0
  for i, batch in enumerate(data, start=1):
    batch_total, batch_count = batch_sums(i, batch)
    total += float(batch_total)
    count += int(batch_count)
    progress.update(i, [(model.metric_name, total / count)])
  return total / count if count else float("nan")
