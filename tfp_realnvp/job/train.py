"""`--mode=train`: fit, checkpoints, the test score, the export.

The model and optimizer are created in the `--strategy`'s scope; workers
other than the chief write to a private folder (`distribute.worker_dir`).
The run holds the model_dir's lease (`lease.py`): a second run on a folder
whose lease is renewed is refused, a lease left by a dead run (`kill -9`,
a pod restarted on another host) is taken over once stale.

`fit` is called once per epoch, on that epoch's data
(`batches.training_epoch`, a function of the seed and the epoch), with one
list of callbacks for the whole run (`callbacks.for_run`, in their order).
What the run works with travels as one `Run`. The training state
(`state.py`) is saved at every epoch end, every `--save_every`
seconds and on SIGTERM/SIGINT (`preemption.py`); the same command resumes
at the saved step, skipping the batches of the epoch already taken, so the
run takes exactly `epochs` x steps-per-epoch optimizer steps however often it
stops. A NaN or Inf raises `FloatingPointError` naming the step before
anything is saved from the broken weights.
"""

import dataclasses
import sys
import time
import typing

import keras

from tfp_realnvp import data
from tfp_realnvp import storage
from tfp_realnvp.job import batches
from tfp_realnvp.job import callbacks
from tfp_realnvp.job import distribute
from tfp_realnvp.job import evaluation
from tfp_realnvp.job import export
from tfp_realnvp.job import preemption
from tfp_realnvp.job import resolve
from tfp_realnvp.job import state as training_state
from tfp_realnvp.job.checkpoints import load_checkpoint
from tfp_realnvp.job.config import JobConfig
from tfp_realnvp.job.lease import Lease
from tfp_realnvp.job.model_dir import ModelDir
from tfp_realnvp.job.model_dir import report_names
from tfp_realnvp.models import default_optimizer
from tfp_realnvp.runtime import RuntimeSettings

RESUME_HINT = "Run the same command again to resume there."


@dataclasses.dataclass(frozen=True)
class Run:
  """What one training run works with, from start to end."""
  config: JobConfig
  source: data.Source
  spec: resolve.ModelSpec
  strategy: typing.Any          # a tf.distribute.Strategy
  folder: ModelDir              # this worker's (`distribute.worker_dir`)
  tf_runtime: RuntimeSettings
  watch: preemption.Watch
  lease: Lease


def run_train(config):
  """Trains; writes checkpoints, logs, samples, test score and the export.

  Raises `preemption.Preempted` after saving the state if SIGTERM or SIGINT
  came; `lease.ModelDirBusy` if another live run owns the model_dir.
  """
  source = resolve.source(config, ready=True)
  spec = resolve.model_spec(config, source)
  tf_runtime = resolve.configure_runtime(config, spec)
  strategy = distribute.make_strategy(config.strategy, config.tpu)
  folder = ModelDir(distribute.worker_dir(config.model_dir, strategy))
  with preemption.Watch(RESUME_HINT) as watch, \
      folder.lease(config.lease_timeout) as lease:
    results = _train(Run(config, source, spec, strategy, folder, tf_runtime,
                         watch, lease))
  if folder.path != config.model_dir:
    storage.rmtree(folder.path)
  return results


def _train(run):
  """Builds and compiles the model, fits it, scores the best weights and
  exports them; returns the results (also written to results.json)."""
  config, folder, lease = run.config, run.folder, run.lease
  changed = _say_what_changed(config, folder)
  folder.write_settings(config.to_json(), config.as_flagfile())
  keras.utils.set_random_seed(config.seed)
  with run.strategy.scope():
    model = run.spec.build(folder.path)
    # XLA measured slower than TensorFlow's oneDNN kernels on CPU
    # (benchmarks/speed.py); "auto" turns it on for GPUs.
    model.compile(optimizer=default_optimizer(config.learning_rate),
                  jit_compile=("auto" if config.jit_compile is None
                               else config.jit_compile))
  begin = time.monotonic()
  steps = _fit(run, model, new_learning_rate="learning_rate" in changed)
  fit_seconds = time.monotonic() - begin
  lease.check()
  load_checkpoint(model, folder.best, folder)
  results = evaluation.evaluate_and_write(config, run.source, model, folder)
  names = report_names(model)
  best, best_epoch = folder.best_logged(names.validation)
  results.update({"fit_seconds": fit_seconds, names.best_validation: best},
                 best_epoch=best_epoch, checkpoint=folder.best, steps=steps,
                 replicas=run.strategy.num_replicas_in_sync,
                 runtime=dataclasses.asdict(run.tf_runtime))
  lease.check()  # the run still owns model_dir after its test score
  if config.export:
    export_dir = folder.join("export")
    if config.export_dir and folder.path == config.model_dir:
      export_dir = config.export_dir
    results["export_dir"] = export.export_saved_model(
        model, export_dir,
        overwrite=config.overwrite_export or export_dir != config.export_dir)
  folder.write_results(results)
  return results


def _fit(run, model, new_learning_rate):
  """Trains from the saved state (if any) to `config.epochs`; returns the
  optimizer steps taken in all. The state holds the optimizer's learning
  rate (as `--lr_plateau` left it); a changed `--learning_rate` replaces it."""
  config, source = run.config, run.source
  chief = ModelDir(config.model_dir)  # every worker resumes from its state
  start = training_state.restore(model, chief)
  if new_learning_rate:
    model.optimizer.learning_rate = config.learning_rate
  if start.step:
    print(f"Resuming at step {start.step} (epoch {start.epoch + 1}, batch "
          f"{start.batch + 1}) from {chief.backup}.", flush=True)
  steps = int(batches.training_epoch(config, source, 0).cardinality())
  steps = steps if steps >= 0 else None
  saver = training_state.TrainingState(
      run.folder, start, run.watch, run.lease, config.save_every, steps,
      RESUME_HINT)
  tty = sys.stdout.isatty()
  in_order = callbacks.RunCallbacks(
      callbacks.for_run(config, model, run.folder, saver,
                        source.figure_conditions(
                            evaluation.figure_rows(config))),
      add_history=True,
      add_progbar=tty, verbose=1, epochs=config.epochs, steps=steps,
      model=model)
  validation = batches.batched(config, source, "validation", False,
                               repeat=config.validation_draws)
  run.watch.deferred = True  # a signal now stops at the next batch end
  try:
    for epoch in range(start.epoch, config.epochs):
      skip = start.batch if epoch == start.epoch else 0
      model.fit(batches.training_epoch(config, source, epoch, skip),
                validation_data=validation, initial_epoch=epoch,
                epochs=epoch + 1, callbacks=in_order,
                verbose=1 if tty else 0,  # progress bar on a terminal
                shuffle=False)  # the epoch's data are shuffled
      if model.stop_training:
        break
    in_order.finish()
  finally:
    run.watch.deferred = False
  return int(model.optimizer.iterations.numpy())


def _say_what_changed(config, folder):
  """On a resume, prints the settings that differ from the last run's;
  returns them ({setting: (before, now)})."""
  before = folder.previous_settings()
  if not (before and folder.has_backup()):
    return {}
  changed = {k: v for k, v in config.changes_from(
      JobConfig.from_json(before)).items() if k != "mode"}
  if changed:
    print(f"Resuming {folder.path} with changed settings (these values are "
          "in force): " + ", ".join(
              f"--{k}={_flag(b)} (was {_flag(a)})"
              for k, (a, b) in sorted(changed.items())),
          flush=True)
  return changed


def _flag(value):
  return str(value).lower() if isinstance(value, bool) else value
