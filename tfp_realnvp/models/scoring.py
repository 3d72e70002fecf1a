"""Scores of a model over a data set: the test score of a run, the score mode.

Functions of a `FlowModel`, each one pass over the data:

    mean_score(model, data, num_draws)        mean of `call` (bits/dim for
        images, NLL in nats for vectors) over every example and `num_draws`
        draws of the dequantization noise
    importance_weighted_score(model, data, K)  mean over the examples of the
        K-sample bound (`RealNVP.importance_weighted_bits_per_dim`)
    scores_per_example(model, data, num_draws, num_samples)  both, per
        example (the score mode's columns)
    mean_over_draws(model, inputs, num_draws)  per example, the mean of
        `call` over draws, for one batch

`data` is a batched `tf.data.Dataset` of what the model's `call` takes, or
in-memory examples (and `labels`, `conditions`). The moving batch-norm averages are used.
Each batch's draws run inside one traced function (a loop over draws in the
graph, one draw's memory), so a split is read and decoded once whatever the
number of draws. `verbose` is Keras' progress display over the batches (0
silent, 1 a bar, 2 one line at the end).
"""

import keras
import numpy as np
import tensorflow as tf

from tfp_realnvp import checks
from tfp_realnvp.models import onednn_safe

__all__ = ["mean_score", "importance_weighted_score", "scores_per_example",
           "mean_over_draws"]


def as_batches(model, data, labels=None, batch_size=256, conditions=None):
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
  if (conditions is None) != (model.condition_shape is None):
    raise ValueError("conditions must be given exactly for a conditional "
                     f"model (condition_shape={model.condition_shape}).")
  condition = None if conditions is None else np.broadcast_to(
      checks.condition(conditions, model.condition_shape, model.flow_dtype,
                       validate_args=True).numpy(),
      (len(data),) + model.condition_shape)
  return tf.data.Dataset.from_tensor_slices(
      model.pack_inputs(data, label, condition)).batch(batch_size)


@tf.function(reduce_retracing=True)
def mean_over_draws(model, inputs, num_draws):
  """Per example, the mean of what `model` returns over `num_draws` draws
  of its randomness (moving batch-norm averages), traced once per model:
  one draw's memory, the draws in a graph loop (`onednn_safe.sequential_loop`)."""
  x, _ = model.split_inputs(inputs)
  total = onednn_safe.sequential_loop(
      num_draws, lambda k, total: total + tf.cast(
          model(inputs, training=False), model.flow_dtype),
      tf.zeros(tf.shape(x)[:1], model.flow_dtype))
  return total / tf.cast(num_draws, model.flow_dtype)


def mean_score(model, data, labels=None, num_draws=1, batch_size=256,
               verbose=0, conditions=None):
  """Mean of `call` over the examples and `num_draws` draws. On several
  replicas it runs Keras' distributed `predict` once per draw instead."""
  num_draws = checks.integer(num_draws, "num_draws", 1)
  data = as_batches(model, data, labels, batch_size, conditions)
  if model.distribute_strategy.num_replicas_in_sync > 1:
    return float(np.mean([np.mean(model.predict(data, verbose=verbose))
                          for _ in range(num_draws)]))
  draws = tf.constant(num_draws)
  return _over_batches(
      model, data, lambda _, inputs: [mean_over_draws(model, inputs, draws)],
      verbose)[0]


def importance_weighted_score(model, data, num_samples, labels=None,
                              batch_size=256, seed=0, verbose=0,
                              conditions=None):
  """Mean over the examples of the `num_samples`-sample bound; batch i
  draws from the stateless seed folded from (`seed`, i)."""
  bound = _importance_weighted(model, num_samples, seed)
  data = as_batches(model, data, labels, batch_size, conditions)
  return _over_batches(model, data, lambda i, inputs: [bound(i, inputs)],
                       verbose)[0]


def scores_per_example(model, data, num_draws=1, num_samples=None,
                       labels=None, batch_size=256, seed=0, verbose=0,
                       conditions=None):
  """Per example: the mean of `call` over `num_draws` draws, and with
  `num_samples` the importance-weighted bound (batch i's draws from the seed
  folded from (`seed`, i), as `importance_weighted_score`), else None. Two
  NumPy arrays, in the order of `data`: what `--mode=score` writes."""
  draws = tf.constant(checks.integer(num_draws, "num_draws", 1))
  bound = num_samples and _importance_weighted(model, num_samples, seed)
  data = as_batches(model, data, labels, batch_size, conditions)

  def batch_scores(index, inputs):
    means = [mean_over_draws(model, inputs, draws)]
    return means + [bound(index, inputs)] if bound else means

  columns = _over_batches(model, data, batch_scores, verbose)[1]
  return columns[0], (columns[1] if bound else None)


def _importance_weighted(model, num_samples, seed):
  """(batch index, inputs) -> the K-sample bound per example of the batch."""
  samples = tf.constant(checks.integer(num_samples, "num_samples", 1))
  base_seed = tf.constant([checks.integer(seed, "seed"), 2], tf.int64)

  def bound(index, inputs):
    pixels, given = model.split_inputs(inputs)
    return model.importance_weighted_from_seed(
        pixels, given,
        tf.random.experimental.stateless_fold_in(base_seed, index), samples)
  return bound


def _over_batches(model, data, batch_scores, verbose):
  """(mean of the first score, [each score per example]) of
  `batch_scores(i, batch) -> [(n,) scores]` over the batches i = 1, 2, ...
  of `data`, with Keras' progress display (the running mean)."""
  checks.choice(verbose, "verbose", (0, 1, 2))
  batches = int(data.cardinality())
  progress = keras.utils.Progbar(batches if batches > 0 else None,
                                 verbose=verbose, unit_name="batch",
                                 stateful_metrics=[model.metric_name])
  total, count, columns = 0., 0, []
  for i, batch in enumerate(data, start=1):
    scores = batch_scores(i, batch)
    total += float(tf.reduce_sum(scores[0]))
    count += int(tf.shape(scores[0])[0])
    columns.append([s.numpy() for s in scores])
    progress.update(i, [(model.metric_name, total / count)])
  mean = total / count if count else float("nan")
  return mean, ([np.concatenate(c) for c in zip(*columns)] or
                [np.zeros(0, np.float32)] * 2)
