"""The training job behind `train.py` (its command line: `cli.py`).

    config.py      JobConfig: the one list of a run's settings, data only
    resolve.py     what the settings mean for the data: the source, the
                   model's spec and build, the runtime
    modes.py       execute(config): the table of modes, validated once
    train.py       --mode=train: a Run, fit, the test score, the export
    evaluation.py  --mode=eval, and the test score that ends a training run
    sample.py      --mode=sample
    export.py      --mode=export: the SavedModel a process without this
                   package loads
    score.py       --mode=score: a CSV of each image's bits/dim
    batches.py     the splits and training epochs as Keras takes them
    checkpoints.py loading weights (the modes' and the state's), finiteness,
                   a trained run's model
    model_dir.py   the run's folder: architecture guard, checkpoints,
                   results, and the names of what a run reports
    state.py       the training state: saved on a timer and on SIGTERM, resumed
    callbacks.py   the training run's Keras callbacks, in their order
    lease.py       one training run owns a model_dir, on any host
    preemption.py  SIGTERM/SIGINT: save, then exit with PREEMPTED_EXIT_CODE
    distribute.py  tf.distribute strategies and which worker writes
"""

from tfp_realnvp.job.config import JobConfig
from tfp_realnvp.job.modes import USER_ERRORS
from tfp_realnvp.job.modes import execute
from tfp_realnvp.job.preemption import EXIT_CODE as PREEMPTED_EXIT_CODE
from tfp_realnvp.job.preemption import Preempted

__all__ = ["JobConfig", "PREEMPTED_EXIT_CODE", "Preempted", "USER_ERRORS",
           "execute"]
