"""Keras callbacks of the training job: time budget, NaN stop, sample grids."""

import math
import os
import time

import keras
import numpy as np
import tensorflow as tf

from tfp_realnvp import figures
from tfp_realnvp.job import distribute


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


class SampleGrid(keras.callbacks.Callback):
  """Every `every` epochs: the model's `sample_figure` as a PNG and a
  TensorBoard image."""

  def __init__(self, log_dir, png_path, every, num_samples=64, seed=0):
    super().__init__()
    self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "samples"))
    self.png_path, self.every = png_path, max(1, int(every))
    self.num_samples, self.seed = num_samples, seed

  def on_epoch_end(self, epoch, logs=None):
    if (epoch + 1) % self.every:
      return
    figure = self.model.sample_figure(self.num_samples, seed=self.seed)
    figures.write_png(figure, self.png_path)
    with self.writer.as_default():
      tf.summary.image("samples", figure[np.newaxis], step=epoch + 1)
      self.writer.flush()
