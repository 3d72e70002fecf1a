"""The model directory of a run: who owns it, what it holds, where things go.

    config.json            the architecture (a different one is refused)
    settings.json          every setting of the last training run, by
                           section (`JobConfig.to_json`; a resume compares
                           it with its own)
    flags.txt              the same settings as an absl flagfile, for
                           people and `train.py --flagfile=`
    backup/                the training state (`state.py`): state.json says
                           where the run stopped, state_<step>.weights.h5
                           holds weights, optimizer and batch-norm state
    checkpoints/epoch_NNNN.weights.h5   weights of the newest epochs
                           (`--keep_checkpoints`, 3 by default)
    best.weights.h5        the weights with the best validation score
    tensorboard/           scalars and sample grids
    log.csv                one row per epoch
    samples.png            a grid of samples
    results.json           test score and paths
    export/                the SavedModel (`export.py`)
    LEASE                  while a training run owns the folder (`lease.py`)

`ModelDir(path)` names these paths and reads and writes the files, local or
remote (`gs://...`), through `storage.py`; `lease()` owns the folder for one
training run.

`ReportNames` are the names of what a run reports (log columns, results,
CSV columns). A model's metric (`model.metric_name`: `bits_per_dim` for
images, `nll` for vectors) is the root of every name: `fit` logs
`val_<metric>`, results.json holds `test_<metric>` (and
`..._importance_weighted`), `best_val_<metric>`, the score CSV has the
`<metric>` columns.
"""

import csv
import dataclasses
import io

from tfp_realnvp import storage
from tfp_realnvp.job.lease import Lease


class ModelDir:
  """The files of one run's model directory; see the module docstring."""

  def __init__(self, path):
    self.path = path

  def join(self, *parts):
    return storage.join(self.path, *parts)

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

  def backup_weights(self, step):
    """The training state's weights file of optimizer step `step` in
    `backup` (`state.py`; `callbacks.Checkpoints` copies it)."""
    return storage.join(self.backup, f"state_{step:010d}.weights.h5")

  @property
  def backup_state(self):
    """Where the training stopped (`state.py`): step, epoch, batch, file."""
    return storage.join(self.backup, "state.json")

  def check_architecture(self, model):
    """Writes config.json, or refuses a folder of another architecture."""
    storage.makedirs(self.path)
    path = self.join("config.json")
    mine = model.architecture()
    if storage.exists(path):
      theirs = storage.read_json(path)
      theirs = {**model.SETTINGS.added_later(), **theirs}
      diff = {k: (theirs.get(k), mine[k]) for k in mine
              if theirs.get(k) != mine[k]}
      if diff:
        raise ValueError(
            f"model_dir {self.path} holds a different architecture: " +
            ", ".join(f"{k}={a} there vs {b} here"
                      for k, (a, b) in diff.items()) +
            ". Use another --model_dir or the same flags.")
    else:
      storage.write_json(path, mine)

  @property
  def flags_file(self):
    return self.join("flags.txt")

  @property
  def settings_file(self):
    return self.join("settings.json")

  def previous_settings(self):
    """The last training run's settings (`JobConfig.to_json`), or None."""
    if not storage.exists(self.settings_file):
      return None
    return storage.read_json(self.settings_file)

  def write_settings(self, settings, flagfile):
    """settings.json (a JSON-able dict) and flags.txt (the same as flags)."""
    storage.write_json(self.settings_file, settings)
    storage.write_text(self.flags_file, flagfile)

  def has_backup(self):
    return storage.exists(self.backup_state)

  def epoch_checkpoints(self):
    return storage.glob(self.join("checkpoints", "epoch_*.weights.h5"))

  def latest_checkpoint(self):
    """best.weights.h5, else the newest per-epoch checkpoint."""
    if storage.exists(self.best):
      return self.best
    epochs = self.epoch_checkpoints()
    if not epochs:
      raise FileNotFoundError(f"No checkpoint in {self.path}: train first "
                              "(--mode=train) or pass --checkpoint.")
    return epochs[-1]

  def best_logged(self, monitor):
    """(best value, its 1-based epoch) of `monitor` in log.csv, or (None, None)."""
    if not storage.exists(self.log_csv):
      return None, None
    rows = [r for r in csv.DictReader(io.StringIO(storage.read_text(
        self.log_csv))) if r.get(monitor)]
    if not rows:
      return None, None
    best = min(rows, key=lambda r: float(r[monitor]))
    return float(best[monitor]), int(best["epoch"]) + 1

  def write_results(self, results):
    storage.write_json(self.join("results.json"), results)

  def lease(self, timeout):
    """The lease that owns the folder for one training run (`lease.py`)."""
    return Lease(self.join("LEASE"), timeout)


@dataclasses.dataclass(frozen=True)
class ReportNames:
  """The names built on one metric name."""
  metric: str

  @property
  def validation(self):
    """What `fit` logs for the validation split (Keras' `val_` prefix)."""
    return f"val_{self.metric}"

  @property
  def best_validation(self):
    return f"best_{self.validation}"

  @property
  def test(self):
    return f"test_{self.metric}"

  @property
  def importance_weighted(self):
    return f"{self.metric}_importance_weighted"

  @property
  def test_importance_weighted(self):
    return f"test_{self.importance_weighted}"


def report_names(model):
  """The `ReportNames` of a model."""
  return ReportNames(model.metric_name)
