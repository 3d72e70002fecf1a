"""What the tests share: paths, tiny settings, networks, exactness checks.

Imported as `realnvp_testing` (setup.cfg puts tests/ on pytest's path);
`conftest.py` holds the fixtures and hooks built on it.

    ROOT, ENV                 the checkout, a subprocess's environment
    TINY_SETTINGS, TINY_FLAGS tiny model and training settings for job tests
    tiny_config(...)          a JobConfig of them
    TINY_IMAGE, TINY_VECTOR   keyword arguments of tiny RealNVP / VectorRealNVP
    train_py(*flags)          `python train.py ...` in a subprocess
    TrainPy(*flags, host=)    the same, running: its output so far, signals,
                              optionally with its own hostname (a restarted pod)
    read_weights(path)        {name: array} of a Keras weights file
    free_port()               a free TCP port of 127.0.0.1
    tf_only(script, cwd)      a script's last JSON line, run in a process
                              that must not import tfp or this package
    ConvShiftAndLogScale, DenseShiftAndLogScale   random-weight networks
    ConvParameters            the same for any inner map (a spline's, ...)
    brute_force_log_det, max_rel_err, assert_encoder_exact   exactness
    perturb, perturb_flow_model   weights away from their initialisation
    record, report            measured figures printed after the run
"""

import glob
import json
import os
import subprocess
import sys
import time

import keras
import numpy as np
import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}

# The smallest job that still runs every part of a run: 2 steps of 4-filter
# networks, one noise draw in evaluation, no sample grids during training,
# no SavedModel at the end (a quarter of a tiny run's time; the tests of the
# export pass --export: test_job, test_cloud_storage, test_job_conditions,
# test_job_beyond_the_paper, the multi-worker and the README's runs).
TINY_SETTINGS = dict(num_scales=2, num_res_blocks=1, num_filters=4, epochs=1,
                     steps_per_epoch=2, eval_draws=1, num_samples=4,
                     sample_every=100, time_limit=0, export=False)
TINY_FLAGS = [f"--{k}={v}" for k, v in TINY_SETTINGS.items()]


# Tiny models for the Python API's tests: 4x4 images of 17 levels, 2-d vectors.
TINY_IMAGE = dict(image_shape=(4, 4, 1), num_scales=2, num_res_blocks=1,
                  num_filters=4, num_levels=17)
TINY_VECTOR = dict(num_features=2, num_couplings=2, hidden_units=8,
                   num_hidden_layers=1)


def tiny_config(**overrides):
  """A digits `JobConfig` of `TINY_SETTINGS` with `overrides`."""
  from tfp_realnvp.job.config import JobConfig  # pylint: disable=g-import-not-at-top
  return JobConfig(**{"dataset": "digits", **TINY_SETTINGS, **overrides})


def train_py(*flags, timeout=400, cwd=ROOT, env=None):
  """`python train.py *flags` in a subprocess: its CompletedProcess."""
  return subprocess.run([sys.executable, os.path.join(ROOT, "train.py"),
                         *flags], cwd=cwd, env=env or ENV,
                        capture_output=True, text=True, timeout=timeout)


class TrainPy:
  """`python train.py *flags` running in its own process group, its output
  (stdout and stderr) in `log_path`. With `host`, in a UTS namespace of
  that hostname (`unshare --uts`, root only): a run that looks like one on
  another machine."""

  def __init__(self, *flags, log_path, host=None, env=None):
    command = [sys.executable, os.path.join(ROOT, "train.py"), *flags]
    if host:
      command = ["unshare", "--uts", "sh", "-c",
                 f'hostname {host} && exec "$@"', "sh", *command]
    self.log_path = str(log_path)
    self._log = open(self.log_path, "w")
    self.process = subprocess.Popen(command, cwd=ROOT, env=env or ENV,
                                    stdout=self._log, stderr=subprocess.STDOUT,
                                    start_new_session=True)

  @property
  def output(self):
    with open(self.log_path) as f:
      return f.read()

  def wait_for(self, predicate, timeout=300):
    """Waits until `predicate()` holds; fails if the run ends first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
      if predicate():
        return
      if self.process.poll() is not None:
        raise AssertionError(f"the run ended ({self.process.returncode}) "
                             f"before expected:\n{self.output[-3000:]}")
      time.sleep(0.1)
    raise AssertionError(f"timed out:\n{self.output[-3000:]}")

  def signal(self, number):
    os.killpg(self.process.pid, number)

  def wait(self, timeout=300):
    """The exit code, once the run ended."""
    try:
      return self.process.wait(timeout)
    finally:
      self._log.close()

  def kill(self):
    if self.process.poll() is None:
      os.killpg(self.process.pid, 9)
    self.wait()


def tf_only(script, cwd):
  """Runs `script` (Python) in a new process, checks it imported neither
  TFP nor this package (a SavedModel serves without them), and returns the
  JSON its last printed line holds."""
  check = ('\nimport sys\nassert "tensorflow_probability" not in sys.modules'
           ' and "tfp_realnvp" not in sys.modules, "imported more than TF"\n')
  out = subprocess.run([sys.executable, "-c", script + check],
                       capture_output=True, text=True, timeout=300,
                       cwd=str(cwd), env=ENV)
  assert out.returncode == 0, out.stderr[-3000:]
  return json.loads(out.stdout.strip().splitlines()[-1])


def free_port():
  import socket  # pylint: disable=g-import-not-at-top
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def read_weights(path):
  """{name: array} of every array of a Keras weights file (h5)."""
  import h5py  # pylint: disable=g-import-not-at-top
  out = {}
  with h5py.File(path) as f:
    f.visititems(lambda name, item: out.__setitem__(name, item[()])
                 if isinstance(item, h5py.Dataset) else None)
  return out


class ConvShiftAndLogScale(keras.layers.Layer):
  """3x3 conv -> tanh -> 3x3 conv, split into (shift, log_scale).

  Weights are random (kernels and biases), so the coupling is far from the
  identity; log_scale = tanh(.) keeps the test numbers tame.
  """

  def __init__(self, out_channels, hidden=8, dtype="float32", seed=0,
               **kwargs):
    super().__init__(dtype=dtype, **kwargs)
    init = lambda s: keras.initializers.RandomNormal(stddev=0.4, seed=s)
    self.hidden = keras.layers.Conv2D(
        hidden, 3, padding="same", kernel_initializer=init(seed),
        bias_initializer=init(seed + 1), dtype=dtype)
    self.out = keras.layers.Conv2D(
        2 * out_channels, 3, padding="same", kernel_initializer=init(seed + 2),
        bias_initializer=init(seed + 3), dtype=dtype)

  def call(self, x):
    shift, raw = tf.split(self.out(tf.tanh(self.hidden(x))), 2, axis=-1)
    return shift, tf.tanh(raw)


class ConvParameters(keras.layers.Layer):
  """3x3 conv -> tanh -> 3x3 conv to the parameters of any inner map
  (`elementwise.ElementwiseFactory`), cut by the models' own head; random
  weights, so the coupling is far from the identity; `stddev` of the output
  layer's (a spline's or a mixture's steepest slopes grow as e^(raw), and
  with them how much rounding its inverse amplifies)."""

  def __init__(self, out_channels, factory, hidden=8, dtype="float32",
               seed=0, stddev=0.15, **kwargs):
    super().__init__(dtype=dtype, **kwargs)
    from tfp_realnvp.models import heads  # pylint: disable=g-import-not-at-top
    self.head = heads.Head.of(factory)
    self.out_channels = out_channels
    init = lambda s: keras.initializers.RandomNormal(stddev=0.4, seed=s)
    self.hidden = keras.layers.Conv2D(
        hidden, 3, padding="same", kernel_initializer=init(seed),
        bias_initializer=init(seed + 1), dtype=dtype)
    out_init = lambda s: keras.initializers.RandomNormal(stddev=stddev, seed=s)
    self.out = keras.layers.Conv2D(
        self.head.num_parameters * out_channels, 3, padding="same",
        kernel_initializer=out_init(seed + 2),
        bias_initializer=out_init(seed + 3), dtype=dtype)

  def call(self, x):
    return self.head.split(self.out(tf.tanh(self.hidden(x))),
                           self.out_channels, 1.)


class DenseShiftAndLogScale(keras.layers.Layer):
  """Dense -> tanh -> Dense for vector events, split into (shift, log_scale)."""

  def __init__(self, out_features, hidden=16, dtype="float32", seed=0,
               num_classes=None, **kwargs):
    super().__init__(dtype=dtype, **kwargs)
    init = lambda s: keras.initializers.RandomNormal(stddev=0.5, seed=s)
    self.num_classes = num_classes
    self.hidden = keras.layers.Dense(
        hidden, kernel_initializer=init(seed), bias_initializer=init(seed + 1),
        dtype=dtype)
    self.out = keras.layers.Dense(
        2 * out_features, kernel_initializer=init(seed + 2),
        bias_initializer=init(seed + 3), dtype=dtype)

  def call(self, x, label=None):
    if self.num_classes is not None:
      x = tf.concat([x, tf.one_hot(label, self.num_classes, dtype=x.dtype)],
                    axis=-1)
    shift, raw = tf.split(self.out(tf.tanh(self.hidden(x))), 2, axis=-1)
    return shift, tf.tanh(raw)


def brute_force_log_det(fn, x, event_ndims):
  """log|det J| of fn at each batch member, from the full Jacobian.

  x: (B,) + event. fn may change the event shape but not the size.
  """
  batch = x.shape[0]
  flat_x = tf.reshape(x, [batch, -1])
  with tf.GradientTape() as tape:
    tape.watch(flat_x)
    y = fn(tf.reshape(flat_x, x.shape))
    flat_y = tf.reshape(y, [batch, -1])
  jac = tape.batch_jacobian(flat_y, flat_x)
  _, log_abs_det = tf.linalg.slogdet(jac)
  return log_abs_det


def perturb(layer, seed=0, scale=0.3):
  """Moves every trainable weight of a layer off its initial value."""
  rng = np.random.RandomState(seed)
  for w in layer.trainable_weights:
    w.assign(w.numpy() + rng.normal(scale=scale, size=w.shape))


def perturb_flow_model(model, seed=0, scale=0.3):
  """Moves every weight and batch-norm average of a FlowModel off its init."""
  rng = np.random.RandomState(seed)
  for w in model.trainable_weights:
    w.assign(w.numpy() + rng.normal(scale=scale, size=w.shape))
  for stats in model.batch_norm_statistics:
    c = stats.moving_mean.shape
    stats.moving_mean.assign(rng.normal(scale=0.5, size=c))
    stats.moving_variance.assign(rng.uniform(0.5, 2., size=c))


def assert_encoder_exact(encoder, x, event_ndims):
  """Whole-flow checks in float64: log-det = brute force (rel. err <= 1e-6),
  the latent keeps x's shape, and inverse(forward(x)) = x through tf.identity.

  Returns (z, brute-force log-det) for further checks.
  """
  z = encoder.forward(x)
  assert z.shape == x.shape
  brute = brute_force_log_det(encoder.forward, x, event_ndims)
  fldj = encoder.forward_log_det_jacobian(x, event_ndims=event_ndims)
  assert max_rel_err(fldj, brute) <= 1e-6, (fldj, brute)
  np.testing.assert_allclose(encoder.inverse(tf.identity(z)), x, rtol=1e-10)
  return z, brute


def max_rel_err(a, b):
  a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
  return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1.0)))


# Measured figures (log-det and round-trip errors, losses, bits/dim) printed
# after the run, so a closing note can quote them from `pytest` output. Under
# pytest-xdist each worker writes its own to a folder the controller made
# (TFP_REALNVP_FIGURES, inherited by the workers), and the controller merges.
_MEASURED = {}
_FIGURES = {}


def _save():
  folder = os.environ.get("TFP_REALNVP_FIGURES")
  if folder and os.path.isdir(folder):
    with open(os.path.join(folder, f"{os.getpid()}.json"), "w") as f:
      json.dump({"measured": _MEASURED, "figures": _FIGURES}, f,
                default=float)


def record(name, key, value):
  row = _MEASURED.setdefault(name, {})
  row[key] = max(value, row.get(key, 0.0))
  _save()


def report(what, value):
  """A measured figure (a loss, a bits/dim) to print after the run."""
  _FIGURES[what] = value
  _save()


def merged_figures():
  """(figures, measured) of this process and every worker."""
  figures, measured = dict(_FIGURES), {k: dict(v) for k, v in _MEASURED.items()}
  folder = os.environ.get("TFP_REALNVP_FIGURES")
  for path in glob.glob(os.path.join(folder or "", "*.json")):
    with open(path) as f:
      saved = json.load(f)
    figures.update(saved["figures"])
    for name, row in saved["measured"].items():
      mine = measured.setdefault(name, {})
      for key, value in row.items():
        mine[key] = max(value, mine.get(key, 0.0))
  return figures, measured


