"""The training run's Keras callbacks, and their order (`for_run`).

    StopOnNonFinite   a NaN or Inf stops the run before anything is saved
    state.TrainingState  (the saver, `state.py`) the training state
    EarlyStopping, ReduceLROnPlateau   Keras', with --early_stopping,
                      --lr_plateau
    Checkpoints       per-epoch checkpoints and the best weights
    TensorBoard, CsvLog, SampleGrid, EpochLine   logs and figures
    TimeLimit         --time_limit
    StopAfterEpoch    a signal during an epoch's end stops after its state
    RunCallbacks      the list, for the several `fit` calls of one run
"""

import math
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from tfp_realnvp import figures
from tfp_realnvp import storage
from tfp_realnvp.models import figures as model_figures
from tfp_realnvp.job import distribute
from tfp_realnvp.job.checkpoints import all_finite
from tfp_realnvp.job.model_dir import report_names


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
  """Raises `FloatingPointError` at the first NaN or Inf, before anything
  is saved from it.

  * after a batch: a non-finite loss, naming the step;
  * at an epoch's end: a non-finite logged value (the validation score) or
    weight. The last step of an epoch can break the weights while its own
    loss, computed before the update, is finite: this catches it.

  Put it before every callback that saves (Keras calls callbacks in list
  order): raising skips the later ones, so no checkpoint, backup or best
  weights are written from the broken state. `where` says in the message
  where the last good state is.
  """

  def __init__(self, where=""):
    super().__init__()
    self.where = where
    self._epoch = 0

  def on_epoch_begin(self, epoch, logs=None):
    self._epoch = epoch

  def _stop(self, what, batch=None):
    step = int(self.model.optimizer.iterations.numpy())
    where = f"epoch {self._epoch + 1}" + (
        "" if batch is None else f", batch {batch + 1}")
    raise FloatingPointError(
        f"Training stopped: {what} at step {step} ({where}). Nothing was "
        f"saved from this epoch. {self.where}".strip())

  def on_train_batch_end(self, batch, logs=None):
    loss = (logs or {}).get("loss")
    if loss is not None and not math.isfinite(float(loss)):
      self._stop(f"the loss is {float(loss)}", batch)

  def on_epoch_end(self, epoch, logs=None):
    bad = {k: v for k, v in (logs or {}).items()
           if isinstance(v, (int, float)) and not math.isfinite(v)}
    if bad:
      self._stop(", ".join(f"{k} is {v}" for k, v in bad.items()))
    if not all_finite(self.model.weights):
      self._stop("the weights are not finite")


class RunCallbacks(keras.callbacks.CallbackList):
  """The callbacks of a training run made of one `fit` call per epoch
  (`train.py`): Keras' `on_train_begin` reaches them at the first call only,
  `on_train_end` at `finish()`, so early stopping, the learning-rate
  schedule, the time budget and TensorBoard's writers see one run."""

  def __init__(self, callbacks, **kwargs):
    super().__init__(callbacks, **kwargs)
    self._begun, self._end_logs = False, None

  def on_train_begin(self, logs=None):
    if not self._begun:
      self._begun = True
      super().on_train_begin(logs)

  def on_train_end(self, logs=None):
    self._end_logs = logs

  def finish(self):
    if self._begun:
      super().on_train_end(self._end_logs)


class Checkpoints(keras.callbacks.Callback):
  """Each epoch's weights file and the best one, with one save per epoch.

  Writing a Keras weights file walks every layer: about a second for a
  model of ten coupling networks, whatever their size, which at the digits
  size is longer than the epoch's training. The training state callback
  (`state.TrainingState`, put it before this one) has just written the
  epoch's state to `state.last_saved`; this callback copies that file to the
  epoch's checkpoint (keeping the newest `keep`, none if 0) and, when
  `monitor` is below the best so far (`threshold` at the start: a resumed
  run's best), to `folder.best`. Copies are whole or absent
  (`storage.copy`), so a kill never leaves a half-written checkpoint.
  """

  def __init__(self, folder, state, keep, monitor, threshold=None):
    super().__init__()
    self.folder, self.state, self.keep = folder, state, int(keep)
    self.monitor = monitor
    self.threshold = math.inf if threshold is None else float(threshold)

  def on_epoch_end(self, epoch, logs=None):
    value = (logs or {}).get(self.monitor)
    better = value is not None and value < self.threshold
    if not (self.keep or better):
      return
    saved = self.state.last_saved
    if self.keep:
      storage.copy(saved, self.folder.epoch_checkpoint(epoch + 1))
      for path in self.folder.epoch_checkpoints()[:-self.keep]:
        storage.remove(path)
    if better:
      self.threshold = value
      storage.copy(saved, self.folder.best)


class CsvLog(keras.callbacks.Callback):
  """`path` (log.csv): a header `epoch,<logged names, sorted>` and one row
  per epoch, after the rows of earlier runs in the same model_dir.

  The file is rewritten whole at every epoch end through `storage.py` (an
  object store has no append; a local file is replaced by a rename), so it
  is never half written. Keras' `CSVLogger` is not used: it appends through
  a `tf.io.gfile.GFile` on remote paths and then fails in `on_train_end`
  asking that file for `closed`, which GFile lacks (Keras 3.15).
  """

  def __init__(self, path):
    super().__init__()
    self.path = path
    self._lines, self._keys = [], None

  def on_train_begin(self, logs=None):
    if storage.exists(self.path):
      self._lines = storage.read_text(self.path).splitlines()
      if self._lines:
        self._keys = self._lines[0].split(",")[1:]

  def on_epoch_end(self, epoch, logs=None):
    logs = logs or {}
    if self._keys is None:
      self._keys = sorted(logs)
      self._lines = [",".join(["epoch", *self._keys])]
    self._lines.append(",".join([str(epoch), *(
        repr(float(logs[k])) if k in logs else "" for k in self._keys)]))
    storage.write_text(self.path, "\n".join(self._lines) + "\n")


class EpochLine(keras.callbacks.Callback):
  """One line per epoch, for logs (a terminal gets Keras' progress bar):
  `epoch 3/1000 - 4s - bits_per_dim 2.6671 - loss 2.6693 - val_...`."""

  def __init__(self, epochs):
    super().__init__()
    self.epochs = epochs

  def on_epoch_begin(self, epoch, logs=None):
    self._start = time.monotonic()

  def on_epoch_end(self, epoch, logs=None):
    values = " - ".join(f"{k} {float(v):.4f}" for k, v in (logs or {}).items()
                        if isinstance(v, (int, float)))
    print(f"epoch {epoch + 1}/{self.epochs} - "
          f"{time.monotonic() - self._start:.0f}s - {values}", flush=True)


class SampleGrid(keras.callbacks.Callback):
  """Every `every` epochs: the model's sample figure as a PNG and a
  TensorBoard image."""

  def __init__(self, log_dir, png_path, every, num_samples=64, seed=0,
               conditions=None):
    super().__init__()
    self.conditions = conditions
    self.writer = tf.summary.create_file_writer(storage.join(log_dir, "samples"))
    self.png_path, self.every = png_path, max(1, int(every))
    self.num_samples, self.seed = num_samples, seed

  def on_epoch_end(self, epoch, logs=None):
    if (epoch + 1) % self.every:
      return
    figure = model_figures.sample_figure(self.model, self.num_samples,
                                         seed=self.seed,
                                         conditions=self.conditions)
    figures.write_png(figure, self.png_path)
    with self.writer.as_default():
      tf.summary.image("samples", figure[np.newaxis], step=epoch + 1)
      self.writer.flush()


class StopAfterEpoch(keras.callbacks.Callback):
  """Last in the list: a signal that came during an epoch's last batch, its
  validation or its callbacks stops the run here, after the epoch's state
  and checkpoints are written."""

  def __init__(self, state):
    super().__init__()
    self.state = state

  def on_epoch_end(self, epoch, logs=None):
    if distribute.agree(self.model.distribute_strategy,
                        self.state.watch.received is not None):
      self.state.stopped()


def for_run(config, model, folder, saver, conditions=None):
  """The training run's callbacks, in the order they must run (the
  comments say why each is where it is); `saver` is the run's
  `state.TrainingState`; `conditions`, those the sample grids are drawn
  at (a model with conditions). The best validation weights have one keeper,
  `best.weights.h5`, written by `Checkpoints` whose threshold, after a
  resume, is the best value in `log.csv`, so a restarted run never replaces
  a better earlier best."""
  monitor = report_names(model).validation
  in_order = [
      # First: it raises before any callback below saves a broken state.
      StopOnNonFinite(
          f"The last saved state is in {folder.backup} (the same command "
          f"resumes from it) and the best weights in {folder.best}."),
      saver,
  ]
  if config.early_stopping:
    in_order.append(keras.callbacks.EarlyStopping(
        monitor, mode="min", patience=config.early_stopping))
  if config.lr_plateau:
    in_order.append(keras.callbacks.ReduceLROnPlateau(
        monitor, factor=0.5, patience=config.lr_plateau, mode="min"))
  in_order += [
      Checkpoints(folder, saver, config.keep_checkpoints, monitor,
                  threshold=folder.best_logged(monitor)[0]),
      keras.callbacks.TensorBoard(folder.tensorboard),
      CsvLog(folder.log_csv),
      SampleGrid(folder.tensorboard, folder.join("samples.png"),
                 config.sample_every, config.num_samples, config.seed,
                 conditions),
  ]
  if not sys.stdout.isatty():  # a terminal gets Keras' progress bar
    in_order.append(EpochLine(config.epochs))
  if config.time_limit:  # late: an epoch's time includes every callback's
    in_order.append(TimeLimit(config.time_limit))
  # Last: a signal during an epoch's end stops after its state is written.
  in_order.append(StopAfterEpoch(saver))
  return in_order
