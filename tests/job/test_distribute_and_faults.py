"""Scale-out and faults: tf.distribute, mixed precision, NaN, checkpoints.

(Preemption, kill -9 and the lease: test_long_runs.py.)

conftest.py splits the CPU into two logical devices, so `mirrored` runs two
replicas here; `multi_worker` runs two real processes on 127.0.0.1.
"""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import realnvp_testing
from realnvp_testing import ENV
from realnvp_testing import ROOT
from realnvp_testing import TINY_SETTINGS
from realnvp_testing import report
from tfp_realnvp import RealNVP
from tfp_realnvp import bijectors
from tfp_realnvp.job import callbacks
from tfp_realnvp.job import distribute
from tfp_realnvp.job import modes
from tfp_realnvp.job import state as training_state
from tfp_realnvp.job.config import JobConfig
from tfp_realnvp.job.checkpoints import CheckpointError
from tfp_realnvp.job.model_dir import ModelDir
from tfp_realnvp.job.checkpoints import load_checkpoint
from tfp_realnvp.models import networks

TINY_JOB = dict(TINY_SETTINGS, dataset="digits", num_scales=1, eval_draws=2,
            steps_per_epoch=16)
TINY_JOB_FLAGS = [*realnvp_testing.TINY_FLAGS, "--dataset=digits",
              "--num_scales=1", "--learning_rate=0.01"]


def _log(model_dir):
  with open(os.path.join(model_dir, "log.csv")) as f:
    return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def single_device_run(tmp_path_factory):
  """The reference: a short digits run on one device, float32."""
  config = JobConfig(**TINY_JOB, model_dir=str(
      tmp_path_factory.mktemp("single") / "run"))
  return modes.run_train(config), _log(config.model_dir)


# -- tf.distribute ------------------------------------------------------------

def test_batch_norm_bijector_normalises_with_the_global_batch_on_two_replicas():
  strategy = distribute.make_strategy("mirrored")  # the job's, too
  assert strategy.num_replicas_in_sync == 2
  rng = np.random.RandomState(0)
  x = (rng.normal(size=(8, 3, 3, 2)) * [1., 3.] + [0.5, -2.]).astype(np.float32)
  with strategy.scope():
    replicated = bijectors.BatchNormalization(name="replicated")
    replicated.statistics.build(x.shape)  # variables: not in a replica
  single = bijectors.BatchNormalization(name="single")
  halves = strategy.experimental_distribute_values_from_function(
      lambda ctx: x[4 * ctx.replica_id_in_sync_group:
                    4 * (ctx.replica_id_in_sync_group + 1)])

  @tf.function
  def step(xs):
    return strategy.run(lambda h: replicated.forward(h, training=True),
                        args=(xs,))

  y = tf.concat(strategy.experimental_local_results(step(halves)), axis=0)
  np.testing.assert_allclose(y, single.forward(x, training=True), atol=1e-5)
  for copy in replicated.statistics.moving_mean.value.values:
    np.testing.assert_allclose(copy, single.statistics.moving_mean, atol=1e-6)
  for copy in replicated.statistics.moving_variance.value.values:
    np.testing.assert_allclose(copy, single.statistics.moving_variance,
                               atol=1e-6)


def test_mirrored_on_two_cpus_matches_a_single_device(tmp_path,
                                                      single_device_run):
  single, single_log = single_device_run
  config = JobConfig(**TINY_JOB, strategy="mirrored",
                         model_dir=str(tmp_path / "run"))
  mirrored = modes.run_train(config)
  assert (single["replicas"], mirrored["replicas"]) == (1, 2)
  assert single["steps"] == mirrored["steps"] == 16
  for a, b in zip(single_log, _log(config.model_dir)):
    # Same data, seed and statistics; only the dequantization noise differs.
    assert abs(float(a["loss"]) - float(b["loss"])) < 0.02
  diff = abs(single["test_bits_per_dim"] - mirrored["test_bits_per_dim"])
  report("mirrored vs single device, test bits/dim",
         f"{mirrored['test_bits_per_dim']:.6f} vs "
         f"{single['test_bits_per_dim']:.6f}")
  assert diff < 0.02


def test_the_same_seed_repeats_a_run_and_another_seed_changes_it(
    tmp_path, single_device_run):
  _, single_log = single_device_run  # seed 0
  for seed in (0, 1):
    modes.run_train(JobConfig(**{**TINY_JOB, "eval_draws": 1}, seed=seed,
                            model_dir=str(tmp_path / str(seed))))
  first_loss = lambda d: float(_log(d)[0]["loss"])
  assert first_loss(tmp_path / "0") == pytest.approx(
      float(single_log[0]["loss"]), rel=1e-6, abs=0)
  # Another seed: other weights, noise and data order, a loss that differs
  # far beyond the same seed's 1e-6.
  assert abs(first_loss(tmp_path / "1") - first_loss(tmp_path / "0")) > 1e-4


def test_multi_worker_two_processes_train_and_the_chief_writes(tmp_path):
  model_dir = tmp_path / "run"
  cluster = {"worker": [f"127.0.0.1:{realnvp_testing.free_port()}" for _ in range(2)]}
  flags = ["--dataset=moons", "--batch_size=256", "--eval_draws=1",
           "--sample_every=100", "--time_limit=0", "--epochs=2",
           "--steps_per_epoch=3", "--strategy=multi_worker",
           f"--model_dir={model_dir}"]
  workers = [
      subprocess.Popen(
          [sys.executable, "train.py", *flags], cwd=ROOT,
          stdout=open(tmp_path / f"worker{i}.log", "w"),
          stderr=subprocess.STDOUT,
          env={**ENV, "TF_CONFIG": json.dumps(
              {"cluster": cluster, "task": {"type": "worker", "index": i}})})
      for i in range(2)]
  try:
    codes = [w.wait(timeout=240) for w in workers]
  finally:
    for w in workers:
      w.kill()
  logs = [(tmp_path / f"worker{i}.log").read_text()[-2000:] for i in range(2)]
  assert codes == [0, 0], logs
  with open(model_dir / "results.json") as f:
    results = json.load(f)
  assert results["replicas"] == 2 and results["steps"] == 6
  assert np.isfinite(results["test_nll"])
  assert (model_dir / "best.weights.h5").exists()
  assert (model_dir / "export" / "saved_model.pb").exists()
  # The other worker wrote to a private folder, removed when it finished.
  assert sorted(p for p in os.listdir(model_dir) if p.startswith(".")) == []


def test_multi_worker_without_tf_config_says_what_is_missing(tmp_path,
                                                             monkeypatch):
  monkeypatch.delenv("TF_CONFIG", raising=False)
  with pytest.raises(ValueError, match="needs the TF_CONFIG"):
    modes.run_train(JobConfig(**TINY_JOB, strategy="multi_worker",
                                model_dir=str(tmp_path / "run")))


# -- mixed precision ----------------------------------------------------------

def test_mixed_precision_networks_in_bfloat16_log_det_path_in_float32():
  net = networks.CouplingResNet(1, 8, 1, mask_channel=True,
                                dtype="mixed_bfloat16")
  coupling = bijectors.CheckerboardAffineCoupling(parity=0,
                                                  shift_and_log_scale_fn=net)
  x = tf.random.stateless_normal((3, 4, 4, 1), [1, 2])
  y = coupling.forward(x)
  net.conv_out.magnitude.assign(tf.fill([2], 0.5))  # away from the identity
  y = coupling.forward(tf.identity(x))
  fldj = coupling.forward_log_det_jacobian(tf.identity(x), event_ndims=3)
  shift, log_scale = net(tf.zeros((3, 4, 4, 2)))
  assert shift.dtype == log_scale.dtype == tf.bfloat16  # the network
  assert y.dtype == fldj.dtype == tf.float32            # the flow
  assert float(tf.reduce_max(tf.abs(fldj))) > 0

  model = RealNVP((8, 8, 1), num_scales=2, num_res_blocks=1, num_filters=8,
                  num_levels=17, dtype="mixed_bfloat16")
  reference = RealNVP((8, 8, 1), num_scales=2, num_res_blocks=1,
                      num_filters=8, num_levels=17)
  rng = np.random.RandomState(0)
  for w in model.trainable_weights:
    w.assign(w + 0.05 * rng.normal(size=w.shape))
  reference.set_weights(model.get_weights())
  assert all(w.dtype == "float32" for w in model.weights)
  assert all(s.moving_mean.dtype == "float32"
             for s in model.batch_norm_statistics)
  pixels = rng.randint(0, 17, (4, 8, 8, 1))
  low, high = model.bits_per_dim(pixels, seed=3), reference.bits_per_dim(
      pixels, seed=3)
  assert low.dtype == tf.float32
  assert np.all(low.numpy() != high.numpy())  # bfloat16 really ran...
  np.testing.assert_allclose(low, high, atol=0.02)  # ...and barely matters


def test_mixed_precision_digits_run_is_within_0_02_of_float32(
    tmp_path, single_device_run):
  single, _ = single_device_run
  mixed = modes.run_train(JobConfig(**TINY_JOB, mixed_precision="bfloat16",
                                      model_dir=str(tmp_path / "run")))
  report("bfloat16 vs float32 digits run, test bits/dim",
         f"{mixed['test_bits_per_dim']:.6f} vs "
         f"{single['test_bits_per_dim']:.6f}")
  assert abs(mixed["test_bits_per_dim"] - single["test_bits_per_dim"]) < 0.02


def test_float16_policy_gets_keras_loss_scaling():
  import keras
  model = RealNVP((4, 4, 1), num_scales=1, num_res_blocks=1, num_filters=4,
                  dtype="mixed_float16")
  model.compile()
  assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)


# -- faults -------------------------------------------------------------------

def test_a_nan_loss_stops_naming_the_step_and_the_last_good_state_evaluates(
    tmp_path):
  good = JobConfig(**{**TINY_JOB, "epochs": 1}, model_dir=str(tmp_path / "run"))
  modes.run_train(good)
  # Same model_dir, an absurd learning rate (in force on the resume): the
  # weights blow up at the resumed run's first step, and the loss of its
  # second is not finite.
  bad = JobConfig(**{**TINY_JOB, "epochs": 3}, learning_rate=1e30,
                  model_dir=good.model_dir)
  with pytest.raises(FloatingPointError,
                     match=r"the loss is (nan|inf|-inf) at step \d+ \(epoch 2, "
                           r"batch \d+\)"):
    modes.run_train(bad)
  assert len(_log(good.model_dir)) == 1  # nothing logged from the bad run
  assert not os.path.exists(os.path.join(good.model_dir, "LEASE"))
  results = modes.run_eval(good)  # best.weights.h5 of the good run
  assert np.isfinite(results["test_bits_per_dim"])


def test_a_nan_from_the_last_step_of_an_epoch_is_never_saved(tmp_path):
  # One step per epoch: step 1 breaks the weights while its own loss (taken
  # before the update) is finite; the epoch's validation then sees them.
  d = tmp_path / "run"
  bad = JobConfig(**{**TINY_JOB, "epochs": 3, "steps_per_epoch": 1},
                  learning_rate=1e30, model_dir=str(d))
  with pytest.raises(FloatingPointError,
                     match=r"(val_bits_per_dim is nan|weights are not finite)"
                           r".* at step 1 \(epoch 1\)"):
    modes.run_train(bad)
  assert not (d / "best.weights.h5").exists()
  assert not (d / "checkpoints").exists() or not os.listdir(d / "checkpoints")
  assert not (d / "backup").exists() or not os.listdir(d / "backup")
  assert not (d / "LEASE").exists()
  # The same command starts again from scratch, and stops the same way.
  with pytest.raises(FloatingPointError, match="at step 1 "):
    modes.run_train(bad)


def test_non_finite_weights_are_never_restored_or_loaded(tmp_path):
  model = RealNVP((4, 4, 1), num_scales=1, num_res_blocks=1, num_filters=4)
  model.compile()
  weights = model.get_weights()
  weights[0] = np.full_like(weights[0], np.nan)
  model.set_weights(weights)
  folder = ModelDir(str(tmp_path))
  os.makedirs(folder.backup)
  path = folder.backup_weights(0)
  model.save_weights(path)
  with open(folder.backup_state, "w") as f:
    json.dump({"step": 0, "epoch": 1, "batch": 0,
               "weights": os.path.basename(path)}, f)
  fresh = RealNVP((4, 4, 1), num_scales=1, num_res_blocks=1, num_filters=4)
  fresh.compile()
  with pytest.raises(FloatingPointError, match=f"{path} holds non-finite "
                     f"weights: delete {folder.backup}"):
    training_state.restore(fresh, folder)
  with pytest.raises(CheckpointError, match=f"Checkpoint {path} holds "
                     r"non-finite weights \(NaN or Inf\)"):
    load_checkpoint(fresh, path)


def test_only_the_newest_checkpoints_are_kept(tmp_path):
  config = JobConfig(**{**TINY_JOB, "epochs": 5, "steps_per_epoch": 2,
                        "eval_draws": 1}, keep_checkpoints=2,
                     model_dir=str(tmp_path / "run"))
  modes.run_train(config)
  kept = sorted(os.listdir(tmp_path / "run" / "checkpoints"))
  assert kept == ["epoch_0004.weights.h5", "epoch_0005.weights.h5"]
  assert (tmp_path / "run" / "best.weights.h5").exists()


def test_stop_on_non_finite_names_epoch_batch_and_step():
  import keras

  class Model:
    optimizer = keras.optimizers.Adam()
  callback = callbacks.StopOnNonFinite("State in backup/.")
  callback._model = Model()  # what Keras' set_model does
  callback.on_epoch_begin(4)
  callback.on_train_batch_end(2, {"loss": 1.5})
  with pytest.raises(FloatingPointError,
                     match=r"loss is nan at step 0 \(epoch 5, batch 3\).*"
                           "State in backup/"):
    callback.on_train_batch_end(2, {"loss": float("nan")})


@pytest.mark.parametrize("budget, work, gap, ends", [
    # After 9 s, another epoch of 3 s would end at 12 > 10.
    (10., [4., 2., 3., 2., 2.], 0., [4., 6., 9.]),
    # After 8 s, the longest epoch since the first (3 s) would end at 11.
    (10., [4., 3., 1., 1., 1.], 0., [4., 7., 8.]),
    # 1.5 s between an epoch's end and the next one's start (checkpoints,
    # logs) belongs to the epoch: epochs take 3.5 s, and after 9 s the next
    # would end at 12.5 > 12 (timed from epoch begin, it would run to 12.5).
    (12., [2., 2., 2., 2.], 1.5, [2., 5.5, 9.]),
])
def test_time_limit_stops_before_an_epoch_would_end_past_it(
    monkeypatch, budget, work, gap, ends):
  clock = [100.]
  monkeypatch.setattr(callbacks.time, "monotonic", lambda: clock[0])

  class Model:
    distribute_strategy = tf.distribute.get_strategy()
    stop_training = False
  callback = callbacks.TimeLimit(budget)
  callback._model = Model()  # what Keras' set_model does
  callback.on_train_begin()
  seen = []
  for epoch, seconds in enumerate(work):  # the first one traces
    callback.on_epoch_begin(epoch)
    clock[0] += seconds
    callback.on_epoch_end(epoch)
    seen.append(clock[0] - 100.)
    if callback.model.stop_training:
      break
    clock[0] += gap
  assert seen == ends
