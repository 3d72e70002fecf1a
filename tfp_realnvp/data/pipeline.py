"""Batching examples as Keras `fit`, `evaluate` and `predict` want them."""

import numpy as np
import tensorflow as tf

from tfp_realnvp.models import inputs


def batched(ds, batch_size, shuffle=False, seed=0, repeat=1, cache=False):
  """Batches a dataset of examples.

  The remainder batch is kept (evaluation covers the whole split); `repeat`
  > 1 repeats the data (several dequantization draws per pass), None
  forever (epochs of `steps_per_epoch` steps); `cache` keeps decoded
  examples in memory (for small data sets); `shuffle` shuffles each pass
  (a buffer of up to 10000 examples), from `seed`. Shuffling before
  repeating keeps the buffer to one pass: a small split on a bucket is not
  read 10000 / N times before the first step.
  """
  if cache:
    ds = ds.cache()
  if shuffle:
    ds = ds.shuffle(10000, seed=seed, reshuffle_each_iteration=True)
  if repeat is None or repeat > 1:
    ds = ds.repeat(repeat)
  return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def in_memory(examples, labels=None, batch_size=64, shuffle=False, seed=0,
              repeat=1):
  """`batched` over in-memory examples (integer pixels or float vectors),
  labelled (`models.inputs`) if `labels` are given."""
  examples = np.asarray(examples)
  if np.issubdtype(examples.dtype, np.integer):
    examples = examples.astype(np.int32)
  ds = tf.data.Dataset.from_tensor_slices(inputs.pack(
      examples, None if labels is None else np.asarray(labels, np.int32)))
  return batched(ds, batch_size, shuffle, seed, repeat)
