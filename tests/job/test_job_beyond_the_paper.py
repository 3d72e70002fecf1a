"""What the job does beyond the paper, through `train.py` in a subprocess:
variational dequantization, importance-weighted scores, class-conditional
models and scoring a user's images."""

import csv
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from realnvp_testing import tf_only
from realnvp_testing import train_py
from tfp_realnvp import data
from tfp_realnvp.data import score_inputs
from tfp_realnvp.data import load_digits

ARCH = ["--dataset=digits", "--num_scales=1", "--num_res_blocks=1",
        "--num_filters=8"]
TRAIN = ARCH + ["--epochs=3", "--steps_per_epoch=12", "--eval_draws=2",
                "--num_samples=20", "--sample_every=100", "--time_limit=0",
                "--learning_rate=0.005", "--noexport"]


def _results(model_dir):
  with open(os.path.join(model_dir, "results.json")) as f:
    return json.load(f)


@pytest.fixture(scope="module")
def variational(tmp_path_factory):
  model_dir = str(tmp_path_factory.mktemp("variational") / "run")
  out = train_py(*TRAIN, "--dequantization=variational",
                  "--importance_samples=16", f"--model_dir={model_dir}")
  assert out.returncode == 0, out.stderr[-3000:]
  return model_dir, out.stdout


def test_variational_dequantization_trains_and_reports_both_bounds(
    variational):
  model_dir, stdout = variational
  results = _results(model_dir)
  assert results["flags"]["dequantization"] == "variational"
  assert results["flags"]["importance_samples"] == 16
  one = results["test_bits_per_dim"]
  many = results["test_bits_per_dim_importance_weighted"]
  assert np.isfinite(one) and many < one  # K samples: a tighter bound
  assert "test_bits_per_dim_importance_weighted: " in stdout
  with open(os.path.join(model_dir, "log.csv")) as f:
    losses = [float(row["bits_per_dim"]) for row in csv.DictReader(f)]
  assert losses[-1] < losses[0] - 0.1  # training lowers the bound
  # The architecture guard knows the dequantizer: a uniform run is refused.
  out = train_py(*ARCH, "--mode=eval", f"--model_dir={model_dir}")
  assert out.returncode != 0 and "dequantization=variational" in out.stderr


def test_eval_mode_reports_one_and_k_samples_side_by_side(variational):
  model_dir, _ = variational
  out = train_py(*ARCH, "--dequantization=variational", "--mode=eval",
                  "--eval_draws=2", "--importance_samples=32",
                  f"--model_dir={model_dir}")
  assert out.returncode == 0, out.stderr[-3000:]
  printed = dict(l.split(": ", 1) for l in out.stdout.splitlines()
                 if l.startswith("test_bits_per_dim"))
  one = float(printed["test_bits_per_dim"])
  many = float(printed["test_bits_per_dim_importance_weighted"])
  assert many < one, printed


def test_conditional_digits_samples_a_row_per_class_and_exports_labels(
    tmp_path):
  model_dir = tmp_path / "run"
  out = train_py(*TRAIN, "--conditional", "--export",
                 f"--model_dir={model_dir}")
  assert out.returncode == 0, out.stderr[-3000:]
  results = _results(model_dir)
  assert results["flags"]["conditional"]
  assert np.isfinite(results["test_bits_per_dim"])
  out = train_py(*ARCH, "--conditional", "--mode=sample", "--num_samples=30",
                  f"--model_dir={model_dir}")
  assert out.returncode == 0, out.stderr[-3000:]
  grid = tf.io.decode_png(tf.io.read_file(
      str(model_dir / "samples_t1.png"))).numpy()
  # figures.grid: 8x8 images, 1 pixel apart, upscaled; 10 rows of 3.
  assert grid.shape[0] / grid.shape[1] == pytest.approx(10 / 3, rel=0.05)
  script = f"""
import json, numpy as np, tensorflow as tf
m = tf.saved_model.load({str(model_dir / 'export')!r})
sample = m.signatures["sample"]
assert sorted(sample.structured_input_signature[1]) == [
    "labels", "num_samples", "seed", "temperature"]
args = dict(num_samples=tf.constant(4), temperature=tf.constant(1.0),
            seed=tf.constant(5, tf.int64))
a = sample(labels=tf.constant([1, 1, 1, 1]), **args)["images"].numpy()
b = sample(labels=tf.constant([7, 7, 7, 7]), **args)["images"].numpy()
print(json.dumps({{"differ": bool(np.abs(a - b).max() > 1e-3)}}))
"""
  assert tf_only(script, tmp_path)["differ"]  # without TFP or the package


def test_conditional_needs_labels():
  out = train_py("--dataset=moons", "--conditional", "--epochs=1")
  assert out.returncode != 0
  assert "--conditional needs class labels and moons has none" in out.stderr
  assert "Traceback" not in out.stderr


def test_score_mode_writes_a_csv_per_image_and_says_what_is_wrong(
    variational, tmp_path):
  model_dir, _ = variational
  digits, _ = load_digits("test")
  noise = np.random.RandomState(0).randint(0, 17, (30, 8, 8))
  # One array file: 30 digits, then 30 images of noise.
  np.savez(tmp_path / "mixed.npz", images=np.concatenate(
      [digits[:30, ..., 0], noise]).astype(np.uint8))
  folder = tmp_path / "pngs"
  folder.mkdir()
  for i in range(3):  # a folder of image files, each scored by name
    tf.io.write_file(str(folder / f"{i}.png"),
                     tf.io.encode_png(digits[i].astype(np.uint8)))
  scores = {}
  for name in ("mixed.npz", "pngs"):
    out = train_py(*ARCH, "--dequantization=variational", "--mode=score",
                    f"--input={tmp_path / name}", "--importance_samples=4",
                    f"--model_dir={model_dir}",
                    f"--output={tmp_path / (name + '.csv')}")
    assert out.returncode == 0, out.stderr[-3000:]
    with open(tmp_path / (name + ".csv")) as f:
      rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["image", "bits_per_dim",
                             "bits_per_dim_importance_weighted"]
    scores[name] = [float(r["bits_per_dim"]) for r in rows]
    if name == "pngs":
      assert [r["image"] for r in rows] == ["0.png", "1.png", "2.png"]
    else:
      assert [r["image"] for r in rows] == [str(i) for i in range(60)]
  digit_scores, noise_scores = scores["mixed.npz"][:30], scores["mixed.npz"][30:]
  assert np.mean(noise_scores) > np.mean(digit_scores) + 0.3
  # The same images score the same as files and as array rows (up to noise).
  np.testing.assert_allclose(scores["pngs"], digit_scores[:3], atol=0.05)
  np.save(tmp_path / "wrong.npy", np.zeros((2, 9, 9), np.uint8))
  out = train_py(*ARCH, "--dequantization=variational", "--mode=score",
                  f"--input={tmp_path / 'wrong.npy'}", f"--model_dir={model_dir}")
  assert out.returncode != 0 and "the model takes (8, 8, 1)" in out.stderr
  assert "Traceback" not in out.stderr


def test_scoring_input_errors_name_the_problem(tmp_path):
  np.save(tmp_path / "bright.npy", np.full((2, 8, 8), 200, np.uint8))
  np.save(tmp_path / "floats.npy", np.zeros((2, 8, 8), np.float32))
  np.savez(tmp_path / "two.npz", a=np.zeros((2, 8, 8), np.uint8),
           b=np.zeros((2, 8, 8), np.uint8))
  (tmp_path / "empty").mkdir()
  source = data.get_source("digits")
  for name, message in (("bright.npy", r"span \[200, 200\].*\[0, 16\]"),
                        ("floats.npy", "must be integer pixels"),
                        ("two.npz", "name the images array 'images'"),
                        ("empty", "No images"),
                        ("missing.npy", "is neither a folder")):
    with pytest.raises((data.BadInput, data.DataUnavailable), match=message):
      score_inputs.read_for_scoring(str(tmp_path / name), source.preprocess,
                                    (8, 8, 1), 17)


def test_labelled_examples_of_the_digits():
  source = data.get_source("digits")
  first = next(iter(source.examples("test", labels=True)))
  images, labels = load_digits("test")
  np.testing.assert_array_equal(first["x"], images[0])
  assert int(first["label"]) == labels[0]


def test_histogram_figure_draws_each_group_where_its_values_are():
  from tfp_realnvp import figures
  low_values, high_values = np.full(50, 2.2), np.full(50, 5.7)
  image = figures.histograms([low_values, high_values], bins=10,
                             size=(200, 100), value_range=(2., 6.))
  assert image.shape == (100, 200, 3) and image.dtype == np.uint8
  plot = image[:-26]  # above the axis and its labels
  columns = lambda colour: np.nonzero(np.all(
      np.abs(plot.astype(int) - (0.45 * 255 + 0.55 * np.array(colour))) < 2,
      axis=-1).any(axis=0))[0]
  blue, red = columns(figures.COLOURS[0]), columns(figures.COLOURS[1])
  # 2.2 falls in the first of 10 bins over [2, 6], 5.7 in the last.
  assert blue.max() < 30 and red.min() > 170
  assert image[-20:].min() == 0  # tick labels are drawn
