"""The modes of the training job: train, eval, sample, export.

`execute(config)` does `config.mode` and returns a dict of what it measured and
wrote; the files are those of `model_dir.py`. A second training run on a
model_dir that a live process owns is refused; the folder of a run that died
(`kill -9`) is taken over, and the run resumes from `backup/` (weights,
optimizer slots, batch-norm moving averages, epoch; the data restart at that
epoch), losing at most the epoch it was in. A NaN or Inf loss raises
`FloatingPointError` naming the step before anything is saved from the
broken weights.
"""

import os
import shutil
import sys
import time

import keras
import tensorflow as tf

from tfp_realnvp import data
from tfp_realnvp import figures
from tfp_realnvp.data import pipeline
from tfp_realnvp.job import callbacks as job_callbacks
from tfp_realnvp.job import distribute
from tfp_realnvp.job import export
from tfp_realnvp.job.model_dir import ModelDir
from tfp_realnvp.models import default_optimizer


def build_model(config, model_dir=None):
  """The model `config` describes; checks `model_dir` (default: the
  config's) holds this architecture or none."""
  model = config.build_model()
  ModelDir(model_dir or config.model_dir).check_architecture(model)
  return model


def load_model(config):
  """(model with the checkpoint's weights, checkpoint path)."""
  model = build_model(config)
  path = config.checkpoint or ModelDir(config.model_dir).latest_checkpoint()
  if not os.path.exists(path):
    raise FileNotFoundError(f"Checkpoint {path} does not exist.")
  model.load_weights(path)
  return model, path


def _monitor(model):
  """The validation score `fit` logs: val_bits_per_dim, or val_nll for vectors."""
  return f"val_{model.metric_name}"


def _batched(config, split, training_mode, repeat=1):
  ds = data.load(config.dataset, split, config.data_dir, training_mode,
                 config.seed)
  # Only the bundled digits are cached: a TFDS evaluation split decoded to
  # int32 can take gigabytes (ImageNet 64x64 validation: 2.4 GB).
  return pipeline.batched(
      ds, config.batch_size, shuffle=training_mode, seed=config.seed,
      repeat=repeat, cache=config.dataset == "digits")


def run_train(config):
  """Trains; writes checkpoints, logs, samples, test score and the export.

  The model and optimizer are created in the `--strategy`'s scope. Workers
  other than the chief write to a private folder (`distribute.worker_dir`).
  """
  config.validate()
  strategy = distribute.make_strategy(config.strategy, config.tpu)
  folder = ModelDir(distribute.worker_dir(config.model_dir, strategy))
  with folder.lock():
    results = _train(config, strategy, folder)
  if folder.path != config.model_dir:
    shutil.rmtree(folder.path, ignore_errors=True)
  return results


def _callbacks(config, model, folder):
  """The best validation weights have one keeper, `best.weights.h5`: a
  `ModelCheckpoint` whose threshold, after a resume, is the best value in
  `log.csv`, so a restarted run never replaces a better earlier best."""
  monitor = _monitor(model)
  callbacks = [
      # Kept twice: a kill during a save leaves the previous state readable.
      keras.callbacks.BackupAndRestore(folder.backup, double_checkpoint=True),
      job_callbacks.StopOnNonFinite(
          f"The last completed epoch is in {folder.backup} (the same command "
          f"resumes from it) and the best weights in {folder.best}."),
  ]
  if config.early_stopping:
    callbacks.append(keras.callbacks.EarlyStopping(
        monitor, mode="min", patience=config.early_stopping))
  if config.lr_plateau:
    callbacks.append(keras.callbacks.ReduceLROnPlateau(
        monitor, factor=0.5, patience=config.lr_plateau, mode="min"))
  callbacks += [
      keras.callbacks.ModelCheckpoint(folder.epoch_checkpoint_pattern,
                                      save_weights_only=True),
      keras.callbacks.ModelCheckpoint(
          folder.best, monitor=monitor, mode="min", save_best_only=True,
          save_weights_only=True,
          initial_value_threshold=folder.best_logged(monitor)[0]),
      keras.callbacks.TensorBoard(folder.tensorboard),
      keras.callbacks.CSVLogger(folder.log_csv, append=True),
      job_callbacks.SampleGrid(folder.tensorboard, folder.join("samples.png"),
                               config.sample_every, config.num_samples,
                               config.seed),
  ]
  if config.time_limit:  # last: an epoch's time includes every callback's
    callbacks.append(job_callbacks.TimeLimit(config.time_limit))
  return callbacks


def _train(config, strategy, folder):
  keras.utils.set_random_seed(config.seed)
  with strategy.scope():
    model = build_model(config, folder.path)
    # XLA measured slower than TensorFlow's oneDNN kernels on CPU
    # (benchmarks/speed.py); "auto" turns it on for GPUs.
    model.compile(optimizer=default_optimizer(config.learning_rate),
                  jit_compile=("auto" if config.jit_compile is None
                               else config.jit_compile))
  os.makedirs(folder.join("checkpoints"), exist_ok=True)
  start = time.monotonic()
  # With --steps_per_epoch the training data repeat: every epoch is full.
  model.fit(_batched(config, "train", True,
                     repeat=None if config.steps_per_epoch else 1),
            validation_data=_batched(config, "validation", False,
                                     repeat=config.validation_draws),
            epochs=config.epochs, steps_per_epoch=config.steps_per_epoch,
            callbacks=_callbacks(config, model, folder),
            # The progress bar on a terminal, one line per epoch in a log.
            verbose=1 if sys.stdout.isatty() else 2,
            shuffle=False)  # the dataset shuffles
  fit_seconds = time.monotonic() - start
  model.load_weights(folder.best)
  results = _evaluate_and_write(config, model, folder)
  monitor = _monitor(model)
  best, best_epoch = folder.best_logged(monitor)
  results.update({"fit_seconds": fit_seconds, f"best_{monitor}": best},
                 best_epoch=best_epoch, checkpoint=folder.best,
                 steps=int(model.optimizer.iterations.numpy()),
                 replicas=strategy.num_replicas_in_sync)
  export_dir = folder.join("export")
  if config.export_dir and folder.path == config.model_dir:
    export_dir = config.export_dir
  results["export_dir"] = export.export_saved_model(
      model, export_dir,
      overwrite=config.overwrite_export or export_dir != config.export_dir)
  folder.write_results(results)
  return results


def _evaluate_and_write(config, model, folder):
  """Test score over `eval_draws` noise draws, a sample grid, a TensorBoard scalar."""
  score = model.mean_score(_batched(config, "test", False),
                           num_draws=config.eval_draws)
  png = figures.write_png(
      model.sample_figure(config.num_samples, config.temperature, config.seed),
      folder.join("samples.png"))
  writer = tf.summary.create_file_writer(
      os.path.join(folder.tensorboard, "test"))
  with writer.as_default():
    optimizer = getattr(model, "optimizer", None)
    step = int(optimizer.iterations.numpy()) if optimizer is not None else 0
    tf.summary.scalar(f"test_{model.metric_name}", score, step=step)
  writer.close()
  return {f"test_{model.metric_name}": score, "eval_draws": config.eval_draws,
          "samples_png": png, "parameters": int(model.count_params())}


def run_eval(config):
  config.validate()
  model, path = load_model(config)
  results = _evaluate_and_write(config, model, ModelDir(config.model_dir))
  results["checkpoint"] = path
  return results


def run_sample(config):
  """Writes a sample figure at `temperature` and the model's extra figures
  (for images, the latent manifold)."""
  config.validate()
  model, path = load_model(config)
  folder = ModelDir(config.model_dir)
  results = {"checkpoint": path, "samples_png": figures.write_png(
      model.sample_figure(config.num_samples, config.temperature, config.seed),
      folder.join(f"samples_t{config.temperature:g}.png"))}
  for name, image in model.extra_figures(config.seed).items():
    results[f"{name}_png"] = figures.write_png(image,
                                               folder.join(f"{name}.png"))
  return results


def run_export(config):
  config.validate()
  model, path = load_model(config)
  out = export.export_saved_model(
      model, config.export_dir or os.path.join(config.model_dir, "export"),
      overwrite=config.overwrite_export)
  return {"export_dir": out, "checkpoint": path}


MODES = {"train": run_train, "eval": run_eval, "sample": run_sample,
         "export": run_export}


def execute(config):
  """Does `config.mode`; returns what it measured and wrote."""
  return MODES[config.mode](config)
