"""The modes of the training job: train, eval, sample, export, score.

`execute(config)` does `config.mode` and returns a dict of what it measured and
wrote; the files are those of `model_dir.py`. A second training run on a
model_dir that a live process owns is refused; the folder of a run that died
(`kill -9`) is taken over, and the run resumes from `backup/` (weights,
optimizer slots, batch-norm moving averages, epoch; the data restart at that
epoch), losing at most the epoch it was in. A NaN or Inf loss raises
`FloatingPointError` naming the step before anything is saved from the
broken weights.
"""

import csv
import dataclasses
import os
import platform
import shutil
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from tfp_realnvp import figures
from tfp_realnvp.data import BadInput
from tfp_realnvp.data import DataUnavailable
from tfp_realnvp.data import files
from tfp_realnvp.data import pipeline
from tfp_realnvp.job import callbacks as job_callbacks
from tfp_realnvp.job import distribute
from tfp_realnvp.job import export
from tfp_realnvp.job.model_dir import CheckpointError
from tfp_realnvp.job.model_dir import ModelDir
from tfp_realnvp.job.model_dir import ModelDirBusy
from tfp_realnvp.job.model_dir import load_checkpoint
from tfp_realnvp.models import default_optimizer


def build_model(config, source=None, model_dir=None):
  """The model `config` describes; checks `model_dir` (default: the
  config's) holds this architecture or none."""
  model = config.build_model(source)
  ModelDir(model_dir or config.model_dir).check_architecture(model)
  return model


def ready_source(config):
  """The config's data source, ready to read (else `DataUnavailable`, before
  anything is written)."""
  source = config.source()
  source.prepare(download=config.download)
  return source


def load_model(config, source=None):
  """(model with the checkpoint's weights, checkpoint path)."""
  source = source or config.source()
  config.configure_runtime(source)
  model = build_model(config, source)
  folder = ModelDir(config.model_dir)
  path = config.checkpoint or folder.latest_checkpoint()
  load_checkpoint(model, path, folder)
  return model, path


def _monitor(model):
  """The validation score `fit` logs: val_bits_per_dim, or val_nll for vectors."""
  return f"val_{model.metric_name}"


def _batched(config, source, split, training_mode, repeat=1):
  ds = source.examples(split, training_mode, config.seed,
                       labels=config.conditional)
  return pipeline.batched(
      ds, config.batch_size, shuffle=training_mode, seed=config.seed,
      repeat=repeat, cache=source.cache_in_memory)


def run_train(config):
  """Trains; writes checkpoints, logs, samples, test score and the export.

  The model and optimizer are created in the `--strategy`'s scope. Workers
  other than the chief write to a private folder (`distribute.worker_dir`).
  """
  config.validate()
  source = ready_source(config)
  tf_runtime = config.configure_runtime(source)
  strategy = distribute.make_strategy(config.strategy, config.tpu)
  folder = ModelDir(distribute.worker_dir(config.model_dir, strategy))
  with folder.lock():
    results = _train(config, source, strategy, folder, tf_runtime)
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


def _train(config, source, strategy, folder, tf_runtime):
  _say_what_changed(config, folder)
  folder.write_flags(config.as_flagfile())
  keras.utils.set_random_seed(config.seed)
  with strategy.scope():
    model = build_model(config, source, folder.path)
    # XLA measured slower than TensorFlow's oneDNN kernels on CPU
    # (benchmarks/speed.py); "auto" turns it on for GPUs.
    model.compile(optimizer=default_optimizer(config.learning_rate),
                  jit_compile=("auto" if config.jit_compile is None
                               else config.jit_compile))
  os.makedirs(folder.join("checkpoints"), exist_ok=True)
  start = time.monotonic()
  # With --steps_per_epoch the training data repeat: every epoch is full.
  model.fit(_batched(config, source, "train", True,
                     repeat=None if config.steps_per_epoch else 1),
            validation_data=_batched(config, source, "validation", False,
                                     repeat=config.validation_draws),
            epochs=config.epochs, steps_per_epoch=config.steps_per_epoch,
            callbacks=_callbacks(config, model, folder),
            # The progress bar on a terminal; EpochLine's lines in a log.
            verbose=1 if sys.stdout.isatty() else 0,
            shuffle=False)  # the dataset shuffles
  fit_seconds = time.monotonic() - start
  load_checkpoint(model, folder.best, folder)
  results = _evaluate_and_write(config, source, model, folder)
  monitor = _monitor(model)
  best, best_epoch = folder.best_logged(monitor)
  results.update({"fit_seconds": fit_seconds, f"best_{monitor}": best},
                 best_epoch=best_epoch, checkpoint=folder.best,
                 steps=int(model.optimizer.iterations.numpy()),
                 replicas=strategy.num_replicas_in_sync,
                 runtime=tf_runtime)
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
  before = folder.previous_flags()
  if not (before and folder.has_backup()):
    return
  now = dict(line[2:].split("=", 1)
             for line in config.as_flagfile().splitlines())
  changed = {k: (before.get(k), now.get(k)) for k in set(before) | set(now)
             if before.get(k) != now.get(k) and k != "mode"}
  if changed:
    print(f"Resuming {folder.path} with changed settings (these values are "
          "in force): " + ", ".join(
              f"--{k}={b} (was {a})" for k, (a, b) in sorted(changed.items())),
          flush=True)


def _evaluate_and_write(config, source, model, folder):
  """Test score over `eval_draws` noise draws, a sample grid, a TensorBoard
  scalar; results name the data, the settings and the package versions."""
  print(f"Test {model.metric_name}: {config.eval_draws} dequantization "
        "draw(s) over the test split ...", flush=True)
  verbose = 1 if sys.stdout.isatty() else 2
  test = _batched(config, source, "test", False)
  score = model.mean_score(test, num_draws=config.eval_draws, verbose=verbose)
  scores = {f"test_{model.metric_name}": score}
  if config.importance_samples:
    print(f"Test {model.metric_name}, importance-weighted: "
          f"{config.importance_samples} samples per image ...", flush=True)
    scores[f"test_{model.metric_name}_importance_weighted"] = (
        model.importance_weighted_score(
            test, config.importance_samples, seed=config.seed,
            verbose=verbose))
  png = figures.write_png(
      model.sample_figure(config.num_samples, config.temperature, config.seed),
      folder.join("samples.png"))
  writer = tf.summary.create_file_writer(
      os.path.join(folder.tensorboard, "test"))
  with writer.as_default():
    optimizer = getattr(model, "optimizer", None)
    step = int(optimizer.iterations.numpy()) if optimizer is not None else 0
    for name, value in scores.items():
      tf.summary.scalar(name, value, step=step)
  writer.close()
  return {**scores, "eval_draws": config.eval_draws,
          "samples_png": png, "parameters": int(model.count_params()),
          "dataset": config.dataset, "flags": dataclasses.asdict(config),
          "versions": _versions()}


def _versions():
  import tensorflow_probability as tfp  # pylint: disable=g-import-not-at-top
  import tfp_realnvp  # pylint: disable=g-import-not-at-top
  return {"tfp_realnvp": tfp_realnvp.__version__, "tensorflow": tf.__version__,
          "tensorflow_probability": tfp.__version__,
          "keras": keras.__version__, "python": platform.python_version()}


def run_eval(config):
  config.validate()
  source = ready_source(config)
  model, path = load_model(config, source)
  results = _evaluate_and_write(config, source, model,
                                ModelDir(config.model_dir))
  results["checkpoint"] = path
  return results


def run_sample(config):
  """Writes a sample figure at `temperature` and the model's extra figures
  (for images, the latent manifold)."""
  config.validate()
  model, path = load_model(config, config.source())
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
  model, path = load_model(config, config.source())
  out = export.export_saved_model(
      model, config.export_dir or os.path.join(config.model_dir, "export"),
      overwrite=config.overwrite_export)
  return {"export_dir": out, "checkpoint": path}


def run_score(config):
  """Writes a CSV of the bits/dim of each image of `--input` (a folder of
  image files or an array file), after the data set's preprocessing: the
  mean of `eval_draws` 1-sample bounds (the noise from the model's seed,
  `--seed`), and the importance-weighted bound if `--importance_samples`."""
  config.validate()
  if not config.input:
    raise BadInput("--mode=score needs --input: a folder of images or an "
                   ".npy/.npz array file.")
  source = config.source()
  if source.is_vector:
    raise BadInput(f"--mode=score scores images; the {config.dataset} "
                   "model is a vector model.")
  model, path = load_model(config, source)
  if model.num_classes is not None:
    raise BadInput("--mode=score scores p(x); this model is "
                   "class-conditional, p(x|y): score with an "
                   "unconditional model.")
  names, pixels = files.read_for_scoring(config.input, source.preprocess,
                                         model.image_shape, model.num_levels)
  columns = {model.metric_name: np.zeros(len(names))}
  if config.importance_samples:
    columns[f"{model.metric_name}_importance_weighted"] = np.zeros(len(names))
  progress = keras.utils.Progbar(len(names), unit_name="image",
                                 verbose=1 if sys.stdout.isatty() else 2)
  draws = tf.constant(config.eval_draws)
  for start in range(0, len(names), config.batch_size):
    batch = pixels[start:start + config.batch_size]
    rows = slice(start, start + len(batch))
    columns[model.metric_name][rows] = model.mean_over_draws(
        tf.constant(batch), draws).numpy()
    if config.importance_samples:
      columns[f"{model.metric_name}_importance_weighted"][rows] = (
          model.importance_weighted_bits_per_dim(
              batch, config.importance_samples, seed=config.seed))
    progress.update(rows.stop)
  out = config.output or os.path.join(
      config.model_dir, "scores_" + os.path.splitext(
          os.path.basename(os.path.normpath(config.input)))[0] + ".csv")
  os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
  with open(out, "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["image", *columns])
    for i, name in enumerate(names):
      writer.writerow([name, *(f"{c[i]:.6f}" for c in columns.values())])
  print(f"Wrote {out}: {len(names)} images, mean {model.metric_name} "
        f"{columns[model.metric_name].mean():.4f}.", flush=True)
  return {"scores_csv": out, "images": len(names), "checkpoint": path,
          **{f"mean_{k}": float(v.mean()) for k, v in columns.items()}}


# Errors whose message is the whole story: `train.py` prints them, no traceback.
USER_ERRORS = (DataUnavailable, BadInput, CheckpointError, FloatingPointError,
               ModelDirBusy)

MODES = {"train": run_train, "eval": run_eval, "sample": run_sample,
         "export": run_export, "score": run_score}


def execute(config):
  """Does `config.mode`; returns what it measured and wrote."""
  return MODES[config.mode](config)
