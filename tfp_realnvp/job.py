"""The training job behind `train.py`: train, eval, sample, export.

A `JobConfig` holds what the flags say; each `run_*` function does one mode
and returns a dict of what it measured and wrote. The model directory holds

    config.json            the architecture (a different one is refused)
    backup/                Keras BackupAndRestore state: resume after a stop
    checkpoints/epoch_NNNN.weights.h5   weights after every epoch
    best.weights.h5        the weights with the best validation bits/dim
    tensorboard/           scalars and sample grids
    log.csv                one row per epoch
    samples.png            a grid of samples
    results.json           test bits/dim and paths
    export/                the SavedModel (`export.py`)
    RUNNING                while a training run owns the folder (pid, host)

A second training run on a model_dir that a live process owns is refused;
the folder of a run that died (`kill -9`) is taken over, and the run resumes
from `backup/` (weights, optimizer slots, batch-norm moving averages, epoch;
the data restart at that epoch), losing at most the epoch it was in. A NaN or
Inf loss raises `FloatingPointError` naming the step before anything is saved
from the broken weights.
"""

import contextlib
import dataclasses
import glob
import json
import os
import shutil
import socket
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from tfp_realnvp import data
from tfp_realnvp import distribute
from tfp_realnvp import export
from tfp_realnvp import images
from tfp_realnvp import presets
from tfp_realnvp import training
from tfp_realnvp.model import RealNVP
from tfp_realnvp.vector import VectorRealNVP

# config.json keys that are not architecture.
NOT_ARCHITECTURE = ("name", "l2_coeff", "dropout")
MIXED_PRECISION = {"bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}
MOONS_EXTENT = (-1.5, 2.5, -1.0, 1.5)


@dataclasses.dataclass
class JobConfig:
  """What the flags say; the defaults are the default job (`python train.py`)."""
  dataset: str = "digits"
  data_dir: str = None
  preset: str = None               # default: the dataset's preset
  num_scales: int = None
  num_res_blocks: int = None
  num_filters: int = None
  batch_size: int = 64
  epochs: int = 1000
  steps_per_epoch: int = None
  time_limit: float = 95.          # seconds of fit; None or 0: no limit
  early_stopping: int = None       # patience in epochs
  lr_plateau: int = None           # halve the learning rate after this many
                                   # epochs without a better validation score
  learning_rate: float = 1e-3
  l2: float = 5e-5
  dropout: float = 0.              # in the networks' residual blocks
  model_dir: str = "runs/digits"
  seed: int = 0
  temperature: float = 1.0
  num_samples: int = 64
  eval_draws: int = 10             # dequantization draws of the test score
  validation_draws: int = 1        # ... of each epoch's validation score
  sample_every: int = 5
  export_dir: str = None           # default: model_dir/export
  overwrite_export: bool = False
  jit_compile: bool = None          # None: Keras' "auto", XLA on GPUs only
  checkpoint: str = None           # eval/sample/export: a weights file
  strategy: str = "default"        # distribute.STRATEGIES
  tpu: str = ""                    # --strategy=tpu: the TPU's name or address
  mixed_precision: str = None      # None, "bfloat16" or "float16": networks'
                                   # compute dtype (the flow stays float32)

  def model_kwargs(self):
    dtype = MIXED_PRECISION.get(self.mixed_precision, "float32")
    if self.dataset in data.VECTOR_DATASETS:
      if self.dropout:
        raise ValueError(f"--dropout applies to the image models' coupling "
                         f"ResNets; the {self.dataset} model has none.")
      return dict(presets.VECTOR_PRESETS[self.dataset], l2_coeff=self.l2,
                  dtype=dtype)
    name = self.preset or ("lsun" if self.dataset.startswith("lsun")
                           else self.dataset)
    return dict(presets.preset(name, num_scales=self.num_scales,
                               num_res_blocks=self.num_res_blocks,
                               num_filters=self.num_filters, l2_coeff=self.l2,
                               dropout=self.dropout),
                dtype=dtype)


def validate(config):
  """Raises ValueError naming a bad flag value."""
  if config.dataset not in data.DATASETS:
    raise ValueError(f"Unknown dataset {config.dataset!r}; choose one of "
                     f"{', '.join(data.DATASETS)}.")
  positive = {"batch_size": config.batch_size, "epochs": config.epochs,
              "num_samples": config.num_samples,
              "eval_draws": config.eval_draws,
              "validation_draws": config.validation_draws}
  for name, value in positive.items():
    if value is None or value < 1:
      raise ValueError(f"--{name} must be >= 1; got {value}.")
  if not config.learning_rate > 0:
    raise ValueError(f"--learning_rate must be > 0; got {config.learning_rate}.")
  if not config.temperature > 0:
    raise ValueError(f"--temperature must be > 0; got {config.temperature}.")
  if config.strategy not in distribute.STRATEGIES:
    raise ValueError(f"Unknown --strategy {config.strategy!r}; choose one of "
                     f"{', '.join(distribute.STRATEGIES)}.")
  if config.mixed_precision not in (None, *MIXED_PRECISION):
    raise ValueError(f"--mixed_precision must be one of "
                     f"{', '.join(MIXED_PRECISION)}; got "
                     f"{config.mixed_precision!r}.")
  config.model_kwargs()  # unknown preset or override


def build_model(config, model_dir=None):
  """The model the config describes; checks `model_dir` (default: the
  config's) holds this architecture or none."""
  model_class = (VectorRealNVP if config.dataset in data.VECTOR_DATASETS
                 else RealNVP)
  model = model_class(**config.model_kwargs())
  _check_model_dir(model_dir or config.model_dir, model)
  return model


@contextlib.contextmanager
def model_dir_lock(model_dir):
  """Owns `model_dir` for one training run (file `RUNNING`: pid and host).

  Refuses a folder a live process owns, so two runs never overwrite each
  other's checkpoints; takes over the lock of a dead process on this host.
  """
  os.makedirs(model_dir, exist_ok=True)
  path = os.path.join(model_dir, "RUNNING")
  me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
  for _ in range(2):
    try:
      fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
      owner = _lock_owner(path)
      if owner is not None and (owner.get("host") != me["host"] or
                                _process_alive(owner.get("pid"))):
        raise RuntimeError(
            f"model_dir {model_dir} is in use by another training run "
            f"(pid {owner.get('pid')} on {owner.get('host')}, since "
            f"{time.ctime(owner.get('since', 0))}). Two runs in one model_dir "
            "would overwrite each other's checkpoints: wait for it to end, "
            f"use another --model_dir, or delete {path} if that run is gone.")
      os.remove(path)  # its owner died: take over (the run resumes)
      continue
    with os.fdopen(fd, "w") as f:
      json.dump(me, f)
    break
  try:
    yield
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


def _architecture(model):
  cfg = model.get_config()
  return {k: (list(v) if isinstance(v, tuple) else v)
          for k, v in cfg.items() if k not in NOT_ARCHITECTURE}


def _monitor(model):
  """The validation score `fit` logs: val_bits_per_dim, or val_nll for vectors."""
  return f"val_{model.metric_name}"


def sample_figure(model, num_samples, temperature=1.0, seed=0):
  """What a person looks at: a grid of sampled images, or for 2-D data the
  density and a histogram of samples. uint8 (H, W, C)."""
  if isinstance(model, VectorRealNVP):
    samples = model.sample(max(num_samples, 20000), temperature, seed=seed)
    return images.density_and_samples(
        lambda p: model.log_prob(p).numpy(), samples.numpy(), MOONS_EXTENT)
  return images.grid(model.sample(num_samples, temperature, seed=seed).numpy())


def _check_model_dir(model_dir, model):
  """Writes config.json, or refuses a model_dir of another architecture."""
  os.makedirs(model_dir, exist_ok=True)
  path = os.path.join(model_dir, "config.json")
  mine = _architecture(model)
  if os.path.exists(path):
    with open(path) as f:
      theirs = json.load(f)
    diff = {k: (theirs.get(k), mine[k]) for k in mine if theirs.get(k) != mine[k]}
    if diff:
      raise ValueError(
          f"model_dir {model_dir} holds a different architecture: " +
          ", ".join(f"{k}={a} there vs {b} here" for k, (a, b) in diff.items()) +
          ". Use another --model_dir or the same flags.")
  else:
    with open(path, "w") as f:
      json.dump(mine, f, indent=1)


def _batched(config, split, training_mode, repeat=1):
  ds = data.load(config.dataset, split, config.data_dir, training_mode,
                 config.seed)
  # Only the bundled digits are cached: a TFDS evaluation split decoded to
  # int32 can take gigabytes (ImageNet 64x64 validation: 2.4 GB).
  return training.batch_pipeline(
      ds, config.batch_size, shuffle=training_mode, seed=config.seed,
      repeat=repeat, cache=config.dataset == "digits")


class SampleGrid(keras.callbacks.Callback):
  """Every `every` epochs: a PNG grid and a TensorBoard image of samples."""

  def __init__(self, log_dir, png_path, every, num_samples=64, seed=0):
    super().__init__()
    self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "samples"))
    self.png_path, self.every = png_path, max(1, int(every))
    self.num_samples, self.seed = num_samples, seed

  def on_epoch_end(self, epoch, logs=None):
    if (epoch + 1) % self.every:
      return
    figure = sample_figure(self.model, self.num_samples, seed=self.seed)
    images.write_png(figure, self.png_path)
    with self.writer.as_default():
      tf.summary.image("samples", figure[np.newaxis], step=epoch + 1)
      self.writer.flush()


def latest_checkpoint(model_dir):
  best = os.path.join(model_dir, "best.weights.h5")
  if os.path.exists(best):
    return best
  epochs = sorted(glob.glob(os.path.join(model_dir, "checkpoints",
                                         "epoch_*.weights.h5")))
  if not epochs:
    raise FileNotFoundError(f"No checkpoint in {model_dir}: train first "
                            "(--mode=train) or pass --checkpoint.")
  return epochs[-1]


def load_model(config):
  model = build_model(config)
  path = config.checkpoint or latest_checkpoint(config.model_dir)
  if not os.path.exists(path):
    raise FileNotFoundError(f"Checkpoint {path} does not exist.")
  model.load_weights(path)
  return model, path


def run_train(config):
  """Trains; writes checkpoints, logs, samples, test bits/dim and the export.

  The model and optimizer are created in the `--strategy`'s scope. Workers
  other than the chief write to a private folder (`distribute.worker_dir`).
  """
  validate(config)
  strategy = distribute.make_strategy(config.strategy, config.tpu)
  d = distribute.worker_dir(config.model_dir, strategy)
  with model_dir_lock(d):
    results = _train(config, strategy, d)
  if d != config.model_dir:
    shutil.rmtree(d, ignore_errors=True)
  return results


def _train(config, strategy, d):
  """The best validation weights have one keeper, `best.weights.h5`: a
  `ModelCheckpoint` whose threshold, after a resume, is the best value in
  `log.csv`, so a restarted run never replaces a better earlier best."""
  keras.utils.set_random_seed(config.seed)
  with strategy.scope():
    model = build_model(config, d)
    # XLA measured slower than TensorFlow's oneDNN kernels on CPU
    # (benchmarks/speed.py); "auto" turns it on for GPUs.
    model.compile(optimizer=training.adam(config.learning_rate),
                  jit_compile=("auto" if config.jit_compile is None
                               else config.jit_compile))
  best_path = os.path.join(d, "best.weights.h5")
  csv_path = os.path.join(d, "log.csv")
  backup = os.path.join(d, "backup")
  os.makedirs(os.path.join(d, "checkpoints"), exist_ok=True)
  callbacks = [
      # Kept twice: a kill during a save leaves the previous state readable.
      keras.callbacks.BackupAndRestore(backup, double_checkpoint=True),
      training.StopOnNonFinite(
          f"The last completed epoch is in {backup} (the same command "
          f"resumes from it) and the best weights in {best_path}."),
  ]
  if config.early_stopping:
    callbacks.append(keras.callbacks.EarlyStopping(
        _monitor(model), mode="min", patience=config.early_stopping))
  if config.lr_plateau:
    callbacks.append(keras.callbacks.ReduceLROnPlateau(
        _monitor(model), factor=0.5, patience=config.lr_plateau, mode="min"))
  callbacks += [
      keras.callbacks.ModelCheckpoint(
          os.path.join(d, "checkpoints", "epoch_{epoch:04d}.weights.h5"),
          save_weights_only=True),
      keras.callbacks.ModelCheckpoint(
          best_path, monitor=_monitor(model), mode="min",
          save_best_only=True, save_weights_only=True,
          initial_value_threshold=training.best_logged(
              csv_path, _monitor(model))[0]),
      keras.callbacks.TensorBoard(os.path.join(d, "tensorboard")),
      keras.callbacks.CSVLogger(csv_path, append=True),
      SampleGrid(os.path.join(d, "tensorboard"), os.path.join(d, "samples.png"),
                 config.sample_every, config.num_samples, config.seed),
  ]
  if config.time_limit:  # last: an epoch's time includes every callback's
    callbacks.append(training.TimeLimit(config.time_limit))
  start = time.monotonic()
  # With --steps_per_epoch the training data repeat: every epoch is full.
  model.fit(_batched(config, "train", True,
                     repeat=None if config.steps_per_epoch else 1),
            validation_data=_batched(config, "validation", False,
                                     repeat=config.validation_draws),
            epochs=config.epochs, steps_per_epoch=config.steps_per_epoch,
            callbacks=callbacks,
            # The progress bar on a terminal, one line per epoch in a log.
            verbose=1 if sys.stdout.isatty() else 2,
            shuffle=False)  # the dataset shuffles
  fit_seconds = time.monotonic() - start
  model.load_weights(best_path)
  results = _evaluate_and_write(config, model, d)
  best, best_epoch = training.best_logged(csv_path, _monitor(model))
  results.update({"fit_seconds": fit_seconds, f"best_{_monitor(model)}": best},
                 best_epoch=best_epoch, checkpoint=best_path,
                 steps=int(model.optimizer.iterations.numpy()),
                 replicas=strategy.num_replicas_in_sync)
  export_dir = os.path.join(d, "export")
  if config.export_dir and d == config.model_dir:
    export_dir = config.export_dir
  results["export_dir"] = export.export_saved_model(
      model, export_dir,
      overwrite=config.overwrite_export or export_dir != config.export_dir)
  _write_results(d, results)
  return results


def _evaluate_and_write(config, model, model_dir=None):
  d = model_dir or config.model_dir
  score = training.evaluate_score(
      model, _batched(config, "test", False), num_draws=config.eval_draws)
  png = images.write_png(
      sample_figure(model, config.num_samples, config.temperature, config.seed),
      os.path.join(d, "samples.png"))
  writer = tf.summary.create_file_writer(
      os.path.join(d, "tensorboard", "test"))
  with writer.as_default():
    optimizer = getattr(model, "optimizer", None)
    step = int(optimizer.iterations.numpy()) if optimizer is not None else 0
    tf.summary.scalar(f"test_{model.metric_name}", score, step=step)
  writer.close()
  return {f"test_{model.metric_name}": score, "eval_draws": config.eval_draws,
          "samples_png": png, "parameters": int(model.count_params())}


def _write_results(model_dir, results):
  with open(os.path.join(model_dir, "results.json"), "w") as f:
    json.dump(results, f, indent=1)


def run_eval(config):
  validate(config)
  model, path = load_model(config)
  results = _evaluate_and_write(config, model)
  results["checkpoint"] = path
  return results


def run_sample(config):
  """Writes a sample grid at `temperature` and a latent interpolation figure."""
  validate(config)
  model, path = load_model(config)
  d = config.model_dir
  results = {"checkpoint": path, "samples_png": images.write_png(
      sample_figure(model, config.num_samples, config.temperature, config.seed),
      os.path.join(d, f"samples_t{config.temperature:g}.png"))}
  if isinstance(model, RealNVP):
    results["manifold_png"] = images.write_png_grid(
        latent_manifold(model, config.seed),
        os.path.join(d, "manifold.png"), columns=8)
  return results


def latent_manifold(model, seed=0, size=8):
  """The paper's manifold figure (section 5): decode z = cos(a) z1 + sin(a) z2 ... .

  Four latents at the corners; z(u, v) = cos(u) (cos(v) z1 + sin(v) z2) +
  sin(u) (cos(v) z3 + sin(v) z4), u, v in [0, pi/2], keeps the Normal's norm.
  """
  z = model.sample_latent(4, seed=seed)
  angles = np.linspace(0., np.pi / 2., size)
  u, v = np.meshgrid(angles, angles, indexing="ij")
  u, v = u.reshape(-1, 1, 1, 1), v.reshape(-1, 1, 1, 1)
  grid = (np.cos(u) * (np.cos(v) * z[0] + np.sin(v) * z[1]) +
          np.sin(u) * (np.cos(v) * z[2] + np.sin(v) * z[3]))
  return tf.clip_by_value(model.decode(tf.constant(grid, model.flow_dtype)),
                          0., 1.).numpy()


def run_export(config):
  validate(config)
  model, path = load_model(config)
  out = export.export_saved_model(
      model, config.export_dir or os.path.join(config.model_dir, "export"),
      overwrite=config.overwrite_export)
  return {"export_dir": out, "checkpoint": path}


MODES = {"train": run_train, "eval": run_eval, "sample": run_sample,
         "export": run_export}
