"""`--mode=train`: fit, checkpoints, the test score, the export.

The model and optimizer are created in the `--strategy`'s scope; workers
other than the chief write to a private folder (`distribute.worker_dir`). A
second training run on a model_dir that a live process owns is refused; the
folder of a run that died (`kill -9`) is taken over, and the run resumes
from `backup/` (weights, optimizer slots, batch-norm moving averages, epoch;
the data restart at that epoch), losing at most the epoch it was in. A NaN
or Inf loss raises `FloatingPointError` naming the step before anything is
saved from the broken weights.
"""

import dataclasses
import os
import shutil
import sys
import time

import keras

from tfp_realnvp.job import callbacks as job_callbacks
from tfp_realnvp.job import distribute
from tfp_realnvp.job import evaluate
from tfp_realnvp.job import export
from tfp_realnvp.job import names
from tfp_realnvp.job import prepare
from tfp_realnvp.job import resolve
from tfp_realnvp.job.config import JobConfig
from tfp_realnvp.job.model_dir import ModelDir
from tfp_realnvp.job.model_dir import load_checkpoint
from tfp_realnvp.models import default_optimizer


def _monitor(model):
  """The validation score `fit` logs: val_bits_per_dim, or val_nll for vectors."""
  return names.of(model).validation


def run_train(config):
  """Trains; writes checkpoints, logs, samples, test score and the export.

  The model and optimizer are created in the `--strategy`'s scope. Workers
  other than the chief write to a private folder (`distribute.worker_dir`).
  """
  source = prepare.ready_source(config)
  spec = resolve.model_spec(config, source)
  tf_runtime = resolve.configure_runtime(config, spec)
  strategy = distribute.make_strategy(config.strategy, config.tpu)
  folder = ModelDir(distribute.worker_dir(config.model_dir, strategy))
  with folder.lock():
    results = _train(config, source, spec, strategy, folder, tf_runtime)
  if folder.path != config.model_dir:
    shutil.rmtree(folder.path, ignore_errors=True)
  return results


def _callbacks(config, model, folder):
  """The best validation weights have one keeper, `best.weights.h5`,
  written by `Checkpoints` whose threshold, after a resume, is the best value
  in `log.csv`, so a restarted run never replaces a better earlier best."""
  monitor = _monitor(model)
  callbacks = [
      # First: it raises before any callback below saves a broken state.
      job_callbacks.StopOnNonFinite(
          f"The last completed epoch is in {folder.backup} (the same command "
          f"resumes from it) and the best weights in {folder.best}."),
      # Kept twice: a kill during a save leaves the previous state readable.
      keras.callbacks.BackupAndRestore(folder.backup, double_checkpoint=True),
      job_callbacks.RefuseNonFiniteRestore(
          f"{folder.backup} holds non-finite weights: delete it and resume "
          f"from the best weights with --mode=eval, or train again in "
          f"another --model_dir (the best weights: {folder.best})."),
  ]
  if config.early_stopping:
    callbacks.append(keras.callbacks.EarlyStopping(
        monitor, mode="min", patience=config.early_stopping))
  if config.lr_plateau:
    callbacks.append(keras.callbacks.ReduceLROnPlateau(
        monitor, factor=0.5, patience=config.lr_plateau, mode="min"))
  callbacks += [
      job_callbacks.Checkpoints(folder, config.keep_checkpoints, monitor,
                                threshold=folder.best_logged(monitor)[0]),
      keras.callbacks.TensorBoard(folder.tensorboard),
      keras.callbacks.CSVLogger(folder.log_csv, append=True),
      job_callbacks.SampleGrid(folder.tensorboard, folder.join("samples.png"),
                               config.sample_every, config.num_samples,
                               config.seed),
  ]
  if not sys.stdout.isatty():  # a terminal gets Keras' progress bar
    callbacks.append(job_callbacks.EpochLine())
  if config.time_limit:  # last: an epoch's time includes every callback's
    callbacks.append(job_callbacks.TimeLimit(config.time_limit))
  return callbacks


def _train(config, source, spec, strategy, folder, tf_runtime):
  _say_what_changed(config, folder)
  folder.write_settings(config.to_json(), config.as_flagfile())
  keras.utils.set_random_seed(config.seed)
  with strategy.scope():
    model = prepare.build_model(spec, folder.path)
    # XLA measured slower than TensorFlow's oneDNN kernels on CPU
    # (benchmarks/speed.py); "auto" turns it on for GPUs.
    model.compile(optimizer=default_optimizer(config.learning_rate),
                  jit_compile=("auto" if config.jit_compile is None
                               else config.jit_compile))
  os.makedirs(folder.join("checkpoints"), exist_ok=True)
  start = time.monotonic()
  # With --steps_per_epoch the training data repeat: every epoch is full.
  model.fit(prepare.batched(config, source, "train", True,
                            repeat=None if config.steps_per_epoch else 1),
            validation_data=prepare.batched(config, source, "validation",
                                            False,
                                            repeat=config.validation_draws),
            epochs=config.epochs, steps_per_epoch=config.steps_per_epoch,
            callbacks=_callbacks(config, model, folder),
            # The progress bar on a terminal; EpochLine's lines in a log.
            verbose=1 if sys.stdout.isatty() else 0,
            shuffle=False)  # the dataset shuffles
  fit_seconds = time.monotonic() - start
  load_checkpoint(model, folder.best, folder)
  results = evaluate.evaluate_and_write(config, source, model, folder)
  monitor = _monitor(model)
  best, best_epoch = folder.best_logged(monitor)
  results.update({"fit_seconds": fit_seconds,
                  names.of(model).best_validation: best},
                 best_epoch=best_epoch, checkpoint=folder.best,
                 steps=int(model.optimizer.iterations.numpy()),
                 replicas=strategy.num_replicas_in_sync,
                 runtime=dataclasses.asdict(tf_runtime))
  export_dir = folder.join("export")
  if config.export_dir and folder.path == config.model_dir:
    export_dir = config.export_dir
  results["export_dir"] = export.export_saved_model(
      model, export_dir,
      overwrite=config.overwrite_export or export_dir != config.export_dir)
  folder.write_results(results)
  return results


def _say_what_changed(config, folder):
  """On a resume, prints the settings that differ from the last run's."""
  before = folder.previous_settings()
  if not (before and folder.has_backup()):
    return
  changed = {k: v for k, v in config.changes_from(
      JobConfig.from_json(before)).items() if k != "mode"}
  if changed:
    print(f"Resuming {folder.path} with changed settings (these values are "
          "in force): " + ", ".join(
              f"--{k}={_flag(b)} (was {_flag(a)})"
              for k, (a, b) in sorted(changed.items())),
          flush=True)


def _flag(value):
  return str(value).lower() if isinstance(value, bool) else value
