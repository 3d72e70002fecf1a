"""The training job: data, modes, checkpoints, export loaded without this package."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from absl import flags

from realnvp_testing import ROOT
from realnvp_testing import tf_only
from realnvp_testing import tiny_config
from tfp_realnvp import RealNVP
from tfp_realnvp import cli
from tfp_realnvp import data
from tfp_realnvp.job import checkpoints
from tfp_realnvp.job import config as job_config
from tfp_realnvp.job import export
from tfp_realnvp.job import modes
from tfp_realnvp.job import resolve
from tfp_realnvp.job import train
from tfp_realnvp.job.config import JobConfig
from tfp_realnvp.job.checkpoints import CheckpointError
from tfp_realnvp.job.model_dir import ModelDir



def _tiny(tmp_path, **kwargs):
  """Two whole epochs of the tiny model, a sample grid after each."""
  return tiny_config(**{"epochs": 2, "steps_per_epoch": None,
                        "sample_every": 1, "time_limit": None,
                        "model_dir": str(tmp_path / "run"), **kwargs})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
  """One tiny digits run (2 epochs), shared by the tests that read its folder."""
  config = _tiny(tmp_path_factory.mktemp("trained"), export=True)
  return config, modes.run_train(config)


@pytest.mark.versions
def test_train_writes_everything_and_export_loads_without_the_package(
    tmp_path, trained):
  config, results = trained
  d = config.model_dir
  for name in ("config.json", "best.weights.h5", "log.csv", "samples.png",
               "results.json", "checkpoints/epoch_0002.weights.h5"):
    assert os.path.exists(os.path.join(d, name)), name
  assert {"train", "validation", "samples", "test"} <= set(
      os.listdir(os.path.join(d, "tensorboard")))
  assert np.isfinite(results["test_bits_per_dim"])
  export_dir = results["export_dir"]

  model = checkpoints.load_model(config)[0]
  x = np.random.RandomState(0).uniform(0.05, 0.95, (3, 8, 8, 1)).astype(np.float32)
  expected = model.log_prob(x).numpy()
  np.save(tmp_path / "x.npy", x)
  script = f"""
import json, sys, numpy as np, tensorflow as tf
m = tf.saved_model.load({export_dir!r})
x = np.load({str(tmp_path / 'x.npy')!r})
inputs = {{k: sorted(f.structured_input_signature[1])
          for k, f in m.signatures.items()}}
lp = m.signatures["log_prob"](images=tf.constant(x))["log_prob"].numpy()
lp5 = m.signatures["log_prob"](images=tf.constant(np.concatenate([x, x[:2]])))["log_prob"]
bpd = m.signatures["bits_per_dim"](pixels=tf.zeros((7, 8, 8, 1), tf.int32))["bits_per_dim"]
draw = lambda seed: m.signatures["sample"](
    num_samples=tf.constant(5), temperature=tf.constant(0.8),
    seed=tf.constant(seed, tf.int64))["images"].numpy()
s, again, other = draw(3), draw(3), draw(4)
errors = []
for name, kwargs in (("log_prob", dict(images=tf.zeros((2, 9, 9, 1)))),
                     ("bits_per_dim", dict(pixels=tf.fill((2, 8, 8, 1), 17)))):
  try:
    m.signatures[name](**kwargs)
  except tf.errors.InvalidArgumentError as e:
    errors.append(e.message)
print(json.dumps(dict(lp=lp.tolist(), lp5=int(lp5.shape[0]), bpd=int(bpd.shape[0]),
      shape=list(s.shape), in_range=bool(s.min() >= 0 and s.max() <= 1),
      same=bool((s == again).all()), differs=bool((s != other).any()),
      inputs=inputs, errors=errors)))
"""
  got = tf_only(script, tmp_path)  # imports neither TFP nor the package
  np.testing.assert_allclose(got["lp"], expected, rtol=1e-4)
  assert (got["lp5"], got["bpd"], got["shape"]) == (5, 7, [5, 8, 8, 1])
  assert got["in_range"] and got["same"] and got["differs"]
  assert got["inputs"] == {"bits_per_dim": ["pixels"], "log_prob": ["images"],
                           "sample": ["num_samples", "seed", "temperature"]}
  size_error, pixel_error = got["errors"]
  assert "images must have shape (batch,) + (8, 8, 1)" in size_error
  assert "[9 9 1]" in size_error and "[8 8 1]" in size_error
  assert "integer pixels in [0, 16]" in pixel_error


def test_the_model_dir_says_how_to_repeat_the_run(trained, tmp_path):
  config, results = trained
  assert results["dataset"] == "digits"
  assert results["flags"]["num_filters"] == 4
  assert {"tfp_realnvp", "tensorflow", "tensorflow_probability",
          "keras"} <= set(results["versions"])
  values = flags.FlagValues()
  cli.define_flags(values)
  values(["train.py", f"--flagfile={config.model_dir}/flags.txt"])
  assert cli.from_flags(values) == config
  with open(os.path.join(config.model_dir, "settings.json")) as f:
    settings = json.load(f)
  assert settings["model"]["num_filters"] == 4
  assert JobConfig.from_json(settings) == config
  assert set(settings) == set(job_config.SECTIONS)


def test_a_resume_says_which_changed_settings_are_in_force(tmp_path, capsys):
  folder = ModelDir(str(tmp_path))
  before = _tiny(tmp_path)
  folder.write_settings(before.to_json(), before.as_flagfile())
  os.makedirs(folder.backup)
  with open(folder.backup_state, "w") as f:  # a stopped run's state
    f.write('{"step": 8, "epoch": 1, "batch": 0}')
  train._say_what_changed(_tiny(tmp_path, learning_rate=0.002, epochs=5), folder)
  out = capsys.readouterr().out
  assert "changed settings (these values are in force)" in out
  assert "--epochs=5 (was 2)" in out and "--learning_rate=0.002 (was 0.001)" in out


def test_a_corrupt_or_missing_checkpoint_names_the_file(trained, tmp_path):
  config, _ = trained
  copy = tmp_path / "copy"
  shutil.copytree(config.model_dir, copy)
  best = copy / "best.weights.h5"
  best.write_bytes(best.read_bytes()[:5000])  # truncated
  broken = _tiny(tmp_path, model_dir=str(copy))
  with pytest.raises(CheckpointError, match=f"Checkpoint {best} cannot be read: "
                     "it is truncated or corrupt .*Pass --checkpoint=.*epoch_"):
    modes.run_eval(broken)
  with pytest.raises(CheckpointError, match="nowhere.h5 does not exist"):
    modes.run_eval(_tiny(tmp_path, model_dir=str(copy),
                       checkpoint=str(tmp_path / "nowhere.h5")))
  out = subprocess.run([sys.executable, "train.py", "--mode=eval",
                        f"--model_dir={copy}", "--num_scales=2",
                        "--num_res_blocks=1", "--num_filters=4",
                        "--dataset=digits"], capture_output=True, text=True,
                       cwd=ROOT, timeout=120,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
  assert out.returncode == 1 and "truncated or corrupt" in out.stderr
  assert "Traceback" not in out.stderr


def test_eval_and_sample_modes_and_architecture_guard(trained):
  config, _ = trained
  results = modes.run_eval(config)
  assert np.isfinite(results["test_bits_per_dim"])
  d = pathlib.Path(config.model_dir).parent
  results = modes.run_sample(_tiny(d, temperature=0.7))
  assert os.path.exists(results["samples_png"])
  assert os.path.exists(results["manifold_png"])
  with pytest.raises(ValueError, match="different architecture: num_filters=4 "
                     "there vs 8 here"):
    modes.run_eval(_tiny(d, num_filters=8))


def test_export_refuses_an_existing_dir_and_replaces_atomically(tmp_path):
  model = RealNVP(image_shape=(4, 4, 1), num_scales=2, num_res_blocks=1,
                  num_filters=4)
  target = tmp_path / "export"
  export.export_saved_model(model, str(target))
  with pytest.raises(FileExistsError, match="already exists; pass overwrite"):
    export.export_saved_model(model, str(target))
  export.export_saved_model(model, str(target), overwrite=True)
  assert sorted(os.listdir(tmp_path)) == ["export"]  # no temporary leftovers


# Moons without the tiny image architecture's overrides.
_MOONS = dict(dataset="moons", num_scales=None, num_res_blocks=None,
              num_filters=None)


@pytest.mark.parametrize("changes, message", [
    (dict(dataset="cifar100"), "Unknown dataset 'cifar100'"),
    (dict(preset="cifar"), "--preset must be one of .*; got 'cifar'"),
    (dict(batch_size=0), "--batch_size must be an integer >= 1; got 0"),
    (dict(learning_rate=-1.), "--learning_rate must be a number > 0; got -1.0"),
    (dict(num_scales=5), r"8x8 cannot be squeezed 4 times"),
    # The model's own rule and words (`RealNVP.SETTINGS`), named as a flag.
    (dict(dropout=1.), "--dropout must be a number >= 0 and < 1; got 1.0"),
    (dict(num_scales=0), "--num_scales must be an integer >= 1; got 0"),
    (dict(_MOONS, num_filters=8),
     "--num_filters applies to the image models"),
    (dict(_MOONS, dropout=0.3),
     "--dropout applies to the image models; the moons model is a vector"),
    (dict(_MOONS, dequantization="variational"),
     "--dequantization applies to the image models"),
    (dict(_MOONS, conditional=True),
     "--conditional needs class labels and moons has none"),
    (dict(dequantization="logistic"),
     "--dequantization must be one of 'uniform', 'variational'; got"),
    (dict(importance_samples=0), "--importance_samples must be an integer >= 1"),
])
def test_bad_configurations_name_the_problem(tmp_path, changes, message):
  config = _tiny(tmp_path, **changes)
  with pytest.raises(ValueError, match=message):
    config.validate()
    resolve.model_spec(config, resolve.source(config))


def test_a_preset_chooses_the_flows_pieces_and_a_flag_overrides_them(
    tmp_path):
  def spec(**changes):
    config = _tiny(tmp_path, **changes)
    return resolve.model_spec(config, resolve.source(config))
  def pieces(**changes):
    kwargs = spec(**changes).kwargs
    return [kwargs.get(k) for k in ("coupling", "normalization", "permutation")]
  assert pieces() == [None, None, None]  # the model's: the paper's
  assert pieces(preset="digits_glow") == [None, "actnorm", "conv1x1"]
  assert pieces(preset="digits_glow", normalization="batch_norm",
                coupling="spline") == ["spline", "batch_norm", "conv1x1"]
  built = spec(preset="digits_glow").build().architecture()
  assert (built["coupling"], built["normalization"]) == ("affine", "actnorm")


def test_train_py_errors_for_missing_flagfile_and_bad_values():
  run = lambda *args: subprocess.run(
      [sys.executable, "train.py", *args], capture_output=True, text=True,
      cwd=ROOT, timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
  out = run("--flagfile=flags/cifar.flags")
  assert out.returncode != 0
  assert "flags/cifar.flags" in out.stderr and "No such file" in out.stderr
  out = run("--dataset=cifar100")
  assert out.returncode != 0 and "cifar100" in out.stderr
  out = run("--batch_size=0")
  assert out.returncode != 0 and "batch_size" in out.stderr
  out = run("--help")  # every setting, the model's with the model's help
  assert ("--num_scales: Scales of the multi-scale architecture. Default: "
          "the preset's") in " ".join(out.stdout.split())
  assert "--dropout: Dropout rate in the networks' residual blocks" in (
      " ".join(out.stdout.split()))


def test_the_command_line_prints_a_line_per_epoch_and_no_logs(tmp_path):
  out = subprocess.run(
      [sys.executable, "train.py", "--dataset=digits", "--num_scales=1",
       "--num_res_blocks=1", "--num_filters=4", "--epochs=3",
       "--steps_per_epoch=2", "--eval_draws=2", "--sample_every=100",
       f"--model_dir={tmp_path / 'run'}"], capture_output=True, text=True,
      cwd=ROOT, timeout=300, env={k: v for k, v in os.environ.items()
                                  if k != "TF_CPP_MIN_LOG_LEVEL"})
  assert out.returncode == 0, out.stderr[-3000:]
  assert out.stderr == ""  # no TensorFlow start-up lines, no INFO logs
  lines = out.stdout.splitlines()
  assert lines[0] == f"model_dir: {tmp_path / 'run'}"
  assert [l.split(" - ")[0] for l in lines if l.startswith("epoch ")] == [
      "epoch 1/3", "epoch 2/3", "epoch 3/3"]
  # The test score is one pass over the split (both draws per batch): one
  # progress line, with the running score.
  progress = [l for l in lines if l.startswith("6/6 ")]
  assert len(progress) == 1 and "bits_per_dim" in progress[0], lines
  assert any(l.startswith("test_bits_per_dim: ") for l in lines)
  assert len(lines) <= 20, lines


def test_every_flagfile_parses_and_names_a_known_dataset():
  for name in sorted(os.listdir(os.path.join(ROOT, "flags"))):
    values = flags.FlagValues()
    cli.define_flags(values)
    values(["train.py", f"--flagfile={os.path.join(ROOT, 'flags', name)}"])
    config = cli.from_flags(values).validate()
    assert config.dataset in data.DATASETS, name


def test_a_restarted_run_never_replaces_a_better_earlier_best(tmp_path):
  quick = dict(num_scales=1, steps_per_epoch=4, sample_every=100)
  config = _tiny(tmp_path, epochs=1, **quick)
  modes.run_train(config)
  d = config.model_dir
  best_path = os.path.join(d, "best.weights.h5")
  with open(best_path, "rb") as f:
    best_bytes = f.read()
  # Pretend an earlier epoch of this model_dir scored far better than any
  # epoch of the restarted run can.
  csv_path = os.path.join(d, "log.csv")
  with open(csv_path) as f:
    header, row = f.read().splitlines()[:2]
  columns = header.split(",")
  values = row.split(",")
  values[columns.index("val_bits_per_dim")] = "0.5"
  with open(csv_path, "w") as f:
    f.write(header + "\n" + ",".join(values) + "\n")
  results = modes.run_train(_tiny(tmp_path, epochs=2, **quick))
  with open(best_path, "rb") as f:
    assert f.read() == best_bytes
  assert results["best_val_bits_per_dim"] == 0.5
  assert results["best_epoch"] == 1


def test_moons_job_trains_the_vector_model_and_exports_it(tmp_path):
  config = JobConfig(dataset="moons", epochs=3, batch_size=256,
                         time_limit=None, eval_draws=1, sample_every=1,
                         model_dir=str(tmp_path / "moons"))
  results = modes.run_train(config)
  assert np.isfinite(results["test_nll"])
  assert results["best_val_nll"] is not None
  figure = tf.io.decode_png(tf.io.read_file(results["samples_png"]))
  assert figure.shape[1] > figure.shape[0]  # density | samples, side by side
  loaded = tf.saved_model.load(results["export_dir"])
  assert sorted(loaded.signatures) == ["log_prob", "sample"]
  points = data.two_moons(5, seed=3)
  model = checkpoints.load_model(config)[0]
  np.testing.assert_allclose(
      loaded.signatures["log_prob"](points=tf.constant(points))["log_prob"],
      model.log_prob(points), rtol=1e-5)
  samples = loaded.signatures["sample"](
      num_samples=tf.constant(7), temperature=tf.constant(1.),
      seed=tf.constant(0, tf.int64))["samples"]
  assert samples.shape == (7, 2)
