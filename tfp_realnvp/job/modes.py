"""The job's modes, one module each: train, eval, sample, export, score.

`execute(config)` validates the settings once, does `config.mode` (its
function in `MODES`) and returns a dict of what it measured and wrote; the
files are those of `model_dir.py`. `USER_ERRORS` are the errors whose
message is the whole story (the command line prints them, no traceback).
"""

from tfp_realnvp.data import BadInput
from tfp_realnvp.data import DataUnavailable
from tfp_realnvp.job import config as job_config
from tfp_realnvp.job.checkpoints import CheckpointError
from tfp_realnvp.job.evaluation import run_eval
from tfp_realnvp.job.export import run_export
from tfp_realnvp.job.lease import LeaseLost
from tfp_realnvp.job.lease import ModelDirBusy
from tfp_realnvp.job.resolve import BadSetting
from tfp_realnvp.job.sample import run_sample
from tfp_realnvp.job.score import run_score
from tfp_realnvp.job.train import run_train

__all__ = ["MODES", "USER_ERRORS", "execute"]

USER_ERRORS = (DataUnavailable, BadInput, BadSetting, CheckpointError,
               FloatingPointError, LeaseLost, ModelDirBusy)

MODES = {"train": run_train, "eval": run_eval, "sample": run_sample,
         "export": run_export, "score": run_score}
assert tuple(MODES) == job_config.MODES


def execute(config):
  """Validates `config` once and does `config.mode`; returns what it
  measured and wrote."""
  return MODES[config.validate().mode](config)
