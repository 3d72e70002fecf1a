"""The training state: saved at epoch ends, on a timer and on SIGTERM; resumed exactly.

    backup/state_<step>.weights.h5   the model's weights, the optimizer's
                                     slots and step, the batch norms' moving
                                     statistics (one Keras weights file)
    backup/state.json                {"step", "epoch", "batch", "weights",
                                     "random_states"}: the 0-based epoch in
                                     progress, the batches of it already
                                     taken, the seed generators' states

The weights file is written first, then state.json (one small object: on a
bucket it appears whole), then older weights files are deleted: a kill at
any moment leaves a state.json naming a complete file.

A run that starts with a state loads it and skips the `batch` batches of
epoch `epoch` already taken (the data of an epoch are a function of the
seed and the epoch: `batches.training_epoch`); so a run stopped any number
of times takes exactly the optimizer steps, on the same data, as one that
never stopped. (Keras' `BackupAndRestore(save_freq=N)` replays the epoch
from batch 0 on mid-epoch weights and loses its epoch counter on a second
stop: it is not used.)

`TrainingState` is the Keras callback that saves: after every epoch (the
state `Checkpoints` copies to the epoch's checkpoint), every `save_every`
seconds at a batch end (not an epoch checkpoint), and at the first batch end
after SIGTERM/SIGINT (`preemption.Watch`), after which it raises
`preemption.Preempted`. With several workers they agree
(`distribute.any_worker`) every `SYNC_EVERY` batches, so all stop and save
at the same step; each writes its own folder, and all resume from the
chief's.
"""

import dataclasses
import time

import keras

from tfp_realnvp import storage
from tfp_realnvp.job import distribute
from tfp_realnvp.job import checkpoints
from tfp_realnvp.job.preemption import Preempted


# With several workers, the batch ends at which they agree on a stop or a
# save (a collective each time: every batch would slow small steps down).
SYNC_EVERY = 10


@dataclasses.dataclass(frozen=True)
class Position:
  """Where a run stands: optimizer `step`, 0-based `epoch` in progress and
  the `batch`es of it already taken."""
  step: int = 0
  epoch: int = 0
  batch: int = 0


def _random_states(model):
  """The model's random-number states (Keras seed generators: the
  dequantization noise and dropout draws), which its weights file lacks."""
  weights = {id(w) for w in model.weights}
  return [v for v in model.variables if id(v) not in weights]


def _saved(folder):
  """The model_dir's state.json as a dict, or None."""
  if not storage.exists(folder.backup_state):
    return None
  return storage.read_json(folder.backup_state)


def restore(model, folder):
  """Loads the model_dir's state into `model` (compiled: its optimizer
  built); returns its `Position`, or `Position()` if there is none."""
  saved = _saved(folder)
  if saved is None:
    return Position()
  path = storage.join(folder.backup, saved["weights"])
  try:
    checkpoints.load(model, path)
  except checkpoints.Unreadable as e:
    raise checkpoints.CheckpointError(
        f"The training state {path} cannot be read ({e}). Move "
        f"{folder.backup} away to train from the start, or evaluate the "
        "best weights with --mode=eval.") from None
  except checkpoints.NotFinite:
    raise FloatingPointError(
        f"{path} holds non-finite weights: delete {folder.backup} and "
        "evaluate the best weights with --mode=eval, or train again in "
        f"another --model_dir (the best weights: {folder.best}).") from None
  states = saved.get("random_states", {})
  for variable in _random_states(model):
    if variable.path in states:
      variable.assign(states[variable.path])
  return Position(int(saved["step"]), int(saved["epoch"]),
                  int(saved["batch"]))


class TrainingState(keras.callbacks.Callback):
  """Saves the training state; see the module docstring.

  Args:
    folder: the `ModelDir` to save in (a worker's own: `distribute.worker_dir`).
    start: the `Position` the run started from.
    watch: the run's `preemption.Watch`.
    lease: the run's `lease.Lease` (checked before every save).
    save_every: seconds between saves at batch ends (0: epoch ends only).
    steps_per_epoch: batches of a full epoch, if known (a signal in an
      epoch's last batch is handled at the epoch's end).
    resume_hint: how to resume, for the message of `Preempted`.
  """

  def __init__(self, folder, start, watch, lease, save_every,
               steps_per_epoch=None, resume_hint=""):
    super().__init__()
    self.folder, self.start, self.watch, self.lease = folder, start, watch, lease
    self.save_every, self.steps_per_epoch = float(save_every), steps_per_epoch
    self.resume_hint = resume_hint
    self.last_saved = None
    self._epoch = self._offset = 0
    self._last = time.monotonic()

  def on_epoch_begin(self, epoch, logs=None):
    self._epoch = epoch
    self._offset = self.start.batch if epoch == self.start.epoch else 0

  def on_train_batch_end(self, batch, logs=None):
    done = self._offset + batch + 1
    strategy = self.model.distribute_strategy
    if not distribute.is_single_process(strategy) and done % SYNC_EVERY:
      return  # workers ask each other every SYNC_EVERY batches, together
    due = self.save_every > 0 and (
        time.monotonic() - self._last >= self.save_every)
    stop, due = distribute.any_worker(strategy,
                                      self.watch.received is not None, due)
    if stop and done != self.steps_per_epoch:  # else: at the epoch's end
      self.save(self._epoch, done)
      self.stopped()
    elif due:
      self.save(self._epoch, done)

  def on_epoch_end(self, epoch, logs=None):
    self.save(epoch + 1, 0)

  def stopped(self):
    """Raises `Preempted`, saying where the saved state stands."""
    step = int(self.model.optimizer.iterations.numpy())
    by = self.watch.received or "another worker's signal"
    raise Preempted(
        f"Stopped by {by} at step {step} (epoch {self._epoch + 1}); the "
        f"state is saved in {self.folder.backup}. {self.resume_hint}".strip())

  def save(self, epoch, batch):
    """Writes the state of `epoch`, `batch` (see the module docstring)."""
    self._last = time.monotonic()
    self.lease.check()
    if not checkpoints.all_finite(self.model.weights):
      raise FloatingPointError(
          f"Training stopped: the weights are not finite at step "
          f"{int(self.model.optimizer.iterations.numpy())} (epoch "
          f"{self._epoch + 1}); nothing was saved from them.")
    step = int(self.model.optimizer.iterations.numpy())
    weights = self.folder.backup_weights(step)
    if self.last_saved is None:
      storage.makedirs(self.folder.backup)
    if weights != self.last_saved:  # else: saved at this step already
      self.model.save_weights(weights, overwrite=True)
    storage.write_json(self.folder.backup_state, {
        "step": step, "epoch": epoch, "batch": batch,
        "weights": storage.basename(weights), "saved": time.time(),
        "random_states": {v.path: v.numpy().tolist()
                          for v in _random_states(self.model)}})
    for old in storage.glob(storage.join(self.folder.backup,
                                         "state_*.weights.h5")):
      if old != weights:
        storage.remove(old)
    self.last_saved = weights
