"""Training helpers shared by `train.py`, the benchmarks and the tests."""

import time

import keras
import numpy as np
import tensorflow as tf


class TimeLimit(keras.callbacks.Callback):
  """Stops `fit` at the end of the first epoch that ends past `seconds`."""

  def __init__(self, seconds):
    super().__init__()
    self.seconds = float(seconds)
    self._start = None

  def on_train_begin(self, logs=None):
    self._start = time.monotonic()

  def on_epoch_end(self, epoch, logs=None):
    if time.monotonic() - self._start >= self.seconds:
      self.model.stop_training = True


def adam(learning_rate=1e-3, ema=0., clipnorm=100.):
  """The reference's optimizer: Adam, gradient global-norm clip 100.

  `ema` > 0 keeps a Polyak average of the weights with that momentum
  (`use_ema`); `selection_callbacks` evaluates and keeps the averaged weights.
  """
  if ema:
    return keras.optimizers.Adam(learning_rate, global_clipnorm=clipnorm,
                                 use_ema=True, ema_momentum=ema)
  return keras.optimizers.Adam(learning_rate, global_clipnorm=clipnorm)


def selection_callbacks(seconds=None, ema=0., monitor="val_bits_per_dim",
                        patience=None):
  """Callbacks that keep the weights with the best validation score.

  With `ema`, the averaged weights are swapped in for validation and for
  the selection (`SwapEMAWeights` before `EarlyStopping`). `seconds` bounds
  the wall time; `patience` (epochs) stops early, `None` never does.
  """
  callbacks = []
  if seconds:
    callbacks.append(TimeLimit(seconds))
  if ema:
    callbacks.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
  callbacks.append(keras.callbacks.EarlyStopping(
      monitor, mode="min", patience=patience or 10 ** 9,
      restore_best_weights=True))
  return callbacks


def image_dataset(pixels, labels=None, batch_size=64, shuffle=False, seed=0,
                  repeat=1):
  """tf.data pipeline of integer pixels (and labels) for `fit`/`evaluate`.

  Evaluation keeps the remainder batch; `repeat` > 1 repeats the data (e.g.
  several dequantization draws per validation pass).
  """
  pixels = np.asarray(pixels, np.int32)
  if labels is None:
    ds = tf.data.Dataset.from_tensor_slices(pixels)
  else:
    ds = tf.data.Dataset.from_tensor_slices(
        {"x": pixels, "label": np.asarray(labels, np.int32)})
  if repeat > 1:
    ds = ds.repeat(repeat)
  if shuffle:
    ds = ds.shuffle(len(pixels) * max(repeat, 1), seed=seed,
                    reshuffle_each_iteration=True)
  return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def evaluate_bits_per_dim(model, pixels, labels=None, num_draws=10,
                          batch_size=256):
  """Mean bits/dim over every image and `num_draws` dequantization draws."""
  ds = image_dataset(pixels, labels, batch_size=batch_size)
  draws = [np.mean(model.predict(ds, verbose=0)) for _ in range(num_draws)]
  return float(np.mean(draws))
