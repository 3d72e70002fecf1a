"""The model directory of a run: who owns it, what it holds, where things go.

    config.json            the architecture (a different one is refused)
    settings.json          every setting of the last training run, by
                           section (`JobConfig.to_json`; a resume compares
                           it with its own)
    flags.txt              the same settings as an absl flagfile, for
                           people and `train.py --flagfile=`
    backup/                Keras BackupAndRestore state: resume after a stop
    checkpoints/epoch_NNNN.weights.h5   weights of the newest epochs
                           (`--keep_checkpoints`, 3 by default)
    best.weights.h5        the weights with the best validation score
    tensorboard/           scalars and sample grids
    log.csv                one row per epoch
    samples.png            a grid of samples
    results.json           test score and paths
    export/                the SavedModel (`export.py`)
    RUNNING                while a training run owns the folder (pid, host)

`ModelDir(path)` names these paths and reads and writes the files; `lock()`
owns the folder for one training run.
"""

import contextlib
import csv
import glob
import json
import os
import socket
import time

from tfp_realnvp.job.callbacks import all_finite


class ModelDir:
  """The files of one run's model directory; see the module docstring."""

  def __init__(self, path):
    self.path = path

  def join(self, *parts):
    return os.path.join(self.path, *parts)

  @property
  def best(self):
    return self.join("best.weights.h5")

  @property
  def backup(self):
    return self.join("backup")

  @property
  def log_csv(self):
    return self.join("log.csv")

  @property
  def tensorboard(self):
    return self.join("tensorboard")

  def epoch_checkpoint(self, epoch):
    """The weights file of 1-based `epoch`."""
    return self.join("checkpoints", f"epoch_{epoch:04d}.weights.h5")

  @property
  def backup_weights(self):
    """The weights file Keras' `BackupAndRestore` writes in `backup`
    (Keras 3's name for it; `callbacks.Checkpoints` copies it)."""
    return os.path.join(self.backup, "latest.weights.h5")

  def check_architecture(self, model):
    """Writes config.json, or refuses a folder of another architecture."""
    os.makedirs(self.path, exist_ok=True)
    path = self.join("config.json")
    mine = model.architecture()
    if os.path.exists(path):
      with open(path) as f:
        theirs = json.load(f)
      theirs = {**model.ADDED_LATER, **theirs}
      diff = {k: (theirs.get(k), mine[k]) for k in mine
              if theirs.get(k) != mine[k]}
      if diff:
        raise ValueError(
            f"model_dir {self.path} holds a different architecture: " +
            ", ".join(f"{k}={a} there vs {b} here"
                      for k, (a, b) in diff.items()) +
            ". Use another --model_dir or the same flags.")
    else:
      with open(path, "w") as f:
        json.dump(mine, f, indent=1)

  @property
  def flags_file(self):
    return self.join("flags.txt")

  @property
  def settings_file(self):
    return self.join("settings.json")

  def previous_settings(self):
    """The last training run's settings (`JobConfig.to_json`), or None."""
    if not os.path.exists(self.settings_file):
      return None
    with open(self.settings_file) as f:
      return json.load(f)

  def write_settings(self, settings, flagfile):
    """settings.json (a JSON-able dict) and flags.txt (the same as flags)."""
    with open(self.settings_file, "w") as f:
      json.dump(settings, f, indent=1)
    with open(self.flags_file, "w") as f:
      f.write(flagfile)

  def has_backup(self):
    return os.path.isdir(self.backup) and bool(os.listdir(self.backup))

  def epoch_checkpoints(self):
    return sorted(glob.glob(self.join("checkpoints", "epoch_*.weights.h5")))

  def latest_checkpoint(self):
    """best.weights.h5, else the newest per-epoch checkpoint."""
    if os.path.exists(self.best):
      return self.best
    epochs = self.epoch_checkpoints()
    if not epochs:
      raise FileNotFoundError(f"No checkpoint in {self.path}: train first "
                              "(--mode=train) or pass --checkpoint.")
    return epochs[-1]

  def best_logged(self, monitor):
    """(best value, its 1-based epoch) of `monitor` in log.csv, or (None, None)."""
    if not os.path.exists(self.log_csv):
      return None, None
    with open(self.log_csv) as f:
      rows = [r for r in csv.DictReader(f) if r.get(monitor)]
    if not rows:
      return None, None
    best = min(rows, key=lambda r: float(r[monitor]))
    return float(best[monitor]), int(best["epoch"]) + 1

  def write_results(self, results):
    with open(self.join("results.json"), "w") as f:
      json.dump(results, f, indent=1)

  @contextlib.contextmanager
  def lock(self):
    """Owns the folder for one training run (file `RUNNING`: pid and host).

    Refuses a folder a live process owns, so two runs never overwrite each
    other's checkpoints; takes over the lock of a dead process on this host.
    """
    os.makedirs(self.path, exist_ok=True)
    path = self.join("RUNNING")
    me = {"pid": os.getpid(), "host": socket.gethostname(),
          "since": time.time()}
    for _ in range(2):
      try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
      except FileExistsError:
        owner = _lock_owner(path)
        if owner is not None and (owner.get("host") != me["host"] or
                                  _process_alive(owner.get("pid"))):
          raise ModelDirBusy(
              f"model_dir {self.path} is in use by another training run "
              f"(pid {owner.get('pid')} on {owner.get('host')}, since "
              f"{time.ctime(owner.get('since', 0))}). Two runs in one "
              "model_dir would overwrite each other's checkpoints: wait for "
              f"it to end, use another --model_dir, or delete {path} if that "
              "run is gone.") from None
        os.remove(path)  # its owner died: take over (the run resumes)
        continue
      with os.fdopen(fd, "w") as f:
        json.dump(me, f)
      break
    try:
      yield self
    finally:
      if _lock_owner(path) == me:
        os.remove(path)


def _lock_owner(path):
  try:
    with open(path) as f:
      return json.load(f)
  except (OSError, ValueError):
    return None


def _process_alive(pid):
  try:
    os.kill(int(pid), 0)
  except (ProcessLookupError, TypeError, ValueError):
    return False
  except PermissionError:
    return True
  return True


class ModelDirBusy(RuntimeError):
  """Another live training run owns the model_dir."""


class CheckpointError(RuntimeError):
  """A weights file that is missing, unreadable or not finite."""


def load_checkpoint(model, path, folder=None):
  """Loads `path` into `model`; a CheckpointError names the file and what to do."""
  others = [p for p in ([folder.best] + folder.epoch_checkpoints()[::-1]
                        if folder else []) if p != path and os.path.exists(p)]
  advice = (f" Pass --checkpoint={others[0]} (or another file of "
            f"{folder.path}) or train again." if others else
            " Train again (--mode=train) or pass --checkpoint.")
  if not os.path.exists(path):
    raise CheckpointError(f"Checkpoint {path} does not exist." + advice)
  try:
    model.load_weights(path)
  except Exception as e:  # h5py's OSError, Keras' ValueError, ...
    raise CheckpointError(
        f"Checkpoint {path} cannot be read: it is truncated or corrupt "
        f"({type(e).__name__}: {str(e).splitlines()[0][:200]})." +
        advice) from None
  if not all_finite(model.weights):
    raise CheckpointError(f"Checkpoint {path} holds non-finite weights "
                          "(NaN or Inf)." + advice)
