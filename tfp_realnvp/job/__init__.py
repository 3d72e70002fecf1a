"""The training job behind `train.py`.

    config.py      JobConfig: the one list of settings, data only
    command_line.py  the absl flags made from it
    resolve.py     what the settings mean for the data: the model's spec
    prepare.py     what every mode starts from (data, model, checkpoint)
    run.py         execute(config): the modes, validated once
    train.py       --mode=train
    evaluate.py    --mode=eval, sample, export, score
    model_dir.py   the run's folder: architecture guard, checkpoints, results
    checkpoints.py loading weights (the modes' and the state's), finiteness
    lease.py       one training run owns a model_dir, on any host
    state.py       the training state: saved on a timer and on SIGTERM, resumed
    preemption.py  SIGTERM/SIGINT: save, then exit with PREEMPTED_EXIT_CODE
    callbacks.py   Keras callbacks: time budget, NaN stop, sample grids
    distribute.py  tf.distribute strategies and which worker writes
    export.py      the SavedModel a process without this package loads
"""

from tfp_realnvp.job.config import JobConfig
from tfp_realnvp.job.command_line import define_flags
from tfp_realnvp.job.command_line import from_flags
from tfp_realnvp.job.run import PREEMPTED_EXIT_CODE
from tfp_realnvp.job.run import Preempted
from tfp_realnvp.job.run import USER_ERRORS
from tfp_realnvp.job.run import execute

__all__ = ["JobConfig", "PREEMPTED_EXIT_CODE", "Preempted", "USER_ERRORS", "define_flags", "execute",
           "from_flags"]
