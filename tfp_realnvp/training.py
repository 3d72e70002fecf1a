"""Training helpers shared by the job (`job.py`), the benchmarks and the tests."""

import csv
import math
import os
import time

import keras
import numpy as np
import tensorflow as tf

from tfp_realnvp import distribute


class TimeLimit(keras.callbacks.Callback):
  """Stops `fit` within `seconds`: after an epoch, if one more epoch as long
  as the longest so far would end past `seconds`. An epoch is timed from one
  `on_epoch_end` to the next, so it includes validation and every other
  callback's work (checkpoints, logs). The first epoch, which traces the
  step, counts only until a second one is timed; only a first epoch longer
  than the budget overruns it."""

  def __init__(self, seconds):
    super().__init__()
    self.seconds = float(seconds)

  def on_train_begin(self, logs=None):
    self._start = self._last = time.monotonic()
    self._durations = []

  def on_epoch_end(self, epoch, logs=None):
    now = time.monotonic()
    self._durations.append(now - self._last)
    self._last = now
    next_epoch = max(self._durations[1:] or self._durations)
    out_of_time = now - self._start + next_epoch > self.seconds
    # Workers of a cluster must stop at the same epoch, whoever's clock says so.
    if distribute.agree(self.model.distribute_strategy, out_of_time):
      self.model.stop_training = True


class StopOnNonFinite(keras.callbacks.Callback):
  """Raises `FloatingPointError` naming the step at the first NaN or Inf loss.

  Raising (rather than `stop_training`, as `keras.callbacks.TerminateOnNaN`
  does) skips the epoch-end callbacks, so no checkpoint or backup is written
  from the broken weights: the last good state stays on disk. `where` says
  in the message where that state is.
  """

  def __init__(self, where=""):
    super().__init__()
    self.where = where
    self._epoch = 0

  def on_epoch_begin(self, epoch, logs=None):
    self._epoch = epoch

  def on_train_batch_end(self, batch, logs=None):
    loss = (logs or {}).get("loss")
    if loss is None or math.isfinite(float(loss)):
      return
    step = int(self.model.optimizer.iterations.numpy())
    raise FloatingPointError(
        f"Training stopped: the loss is {float(loss)} at step {step} (epoch "
        f"{self._epoch + 1}, batch {batch + 1}). Nothing was saved from this "
        f"epoch. {self.where}".strip())


def adam(learning_rate=1e-3, clipnorm=100.):
  """The reference's optimizer: Adam, gradient global-norm clip 100.

  No Polyak averaging of the weights: the batch-norm bijectors' moving
  statistics belong to the raw weights, and averaged weights evaluated with
  them diverged on the digits (validation 3.9 -> 9.6 bits/dim).
  """
  return keras.optimizers.Adam(learning_rate, global_clipnorm=clipnorm)


def batch_pipeline(ds, batch_size, shuffle=False, seed=0, repeat=1,
                   cache=False):
  """Batches a dataset of examples as `fit`/`evaluate`/`predict` want them.

  The remainder batch is kept (evaluation covers the whole split); `repeat`
  > 1 repeats the data (several dequantization draws per pass), None
  forever (epochs of `steps_per_epoch` steps); `cache` keeps decoded
  examples in memory (for small data sets).
  """
  if cache:
    ds = ds.cache()
  if repeat is None or repeat > 1:
    ds = ds.repeat(repeat)
  if shuffle:
    ds = ds.shuffle(10000, seed=seed, reshuffle_each_iteration=True)
  return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def image_dataset(pixels, labels=None, batch_size=64, shuffle=False, seed=0,
                  repeat=1):
  """`batch_pipeline` over in-memory integer pixels (and labels)."""
  pixels = np.asarray(pixels, np.int32)
  if labels is None:
    ds = tf.data.Dataset.from_tensor_slices(pixels)
  else:
    ds = tf.data.Dataset.from_tensor_slices(
        {"x": pixels, "label": np.asarray(labels, np.int32)})
  return batch_pipeline(ds, batch_size, shuffle, seed, repeat)


def evaluate_score(model, data, labels=None, num_draws=10,
                          batch_size=256):
  """Mean of what the model's `call` returns (bits/dim for images, NLL in
  nats for vectors) over every example and `num_draws` draws of `call`'s
  randomness (the dequantization noise).

  `data`: a batched `tf.data.Dataset`, or in-memory pixels (and `labels`).
  """
  if not isinstance(data, tf.data.Dataset):
    data = image_dataset(data, labels, batch_size=batch_size)
  draws = [np.mean(model.predict(data, verbose=0)) for _ in range(num_draws)]
  return float(np.mean(draws))


def best_logged(csv_path, monitor="val_bits_per_dim"):
  """(best value, its 1-based epoch) of `monitor` in a CSVLogger file, or (None, None)."""
  if not os.path.exists(csv_path):
    return None, None
  with open(csv_path) as f:
    rows = [r for r in csv.DictReader(f) if r.get(monitor)]
  if not rows:
    return None, None
  best = min(rows, key=lambda r: float(r[monitor]))
  return float(best[monitor]), int(best["epoch"]) + 1
