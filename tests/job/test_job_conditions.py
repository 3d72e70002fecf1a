"""The job on data with conditions, through `train.py` in a subprocess:
`npz:` data with a `conditions` array and folders with a conditions.csv
train p(x | conditions) with `--conditional`, sample at given conditions,
score images given theirs, and export signatures that take them; bad
condition arrays are refused by name before any work."""

import json
import os
import re

import numpy as np

from realnvp_testing import tf_only
from realnvp_testing import train_py
from tfp_realnvp.data import load_digits

TINY = ["--conditional", "--preset=digits", "--num_scales=2",
        "--num_res_blocks=1", "--num_filters=4", "--epochs=2",
        "--steps_per_epoch=6", "--eval_draws=1", "--num_samples=9",
        "--sample_every=1", "--time_limit=0", "--noexport"]


def _digits_with_conditions(path, break_with=None):
  """The digits' splits with conditions: the one-hot class and the ink
  density (an 11-vector per image)."""
  arrays = {"num_levels": np.array(17)}
  for split in ("train", "validation", "test"):
    images, labels = load_digits(split)
    ink = images.reshape(len(images), -1).mean(1, keepdims=True) / 16.
    arrays[split] = images.astype(np.uint8)
    arrays[f"{split}_conditions"] = np.concatenate(
        [np.eye(10)[labels], ink], 1).astype(np.float32)
  arrays.update(break_with or {})
  np.savez(path, **arrays)
  return f"--dataset=npz:{path}"


def test_npz_conditions_train_sample_and_export(tmp_path):
  dataset = _digits_with_conditions(tmp_path / "digits.npz")
  model_dir = tmp_path / "run"
  out = train_py(dataset, *TINY, "--export", f"--model_dir={model_dir}")
  assert out.returncode == 0, out.stderr[-3000:]
  results = json.loads((model_dir / "results.json").read_text())
  assert results["conditioned_on"] == "conditions of shape (11,)"
  assert np.isfinite(results["test_bits_per_dim"])
  config = json.loads((model_dir / "config.json").read_text())
  assert config["condition_shape"] == [11] and config["num_classes"] is None
  # Samples at the user's conditions: one row each.
  np.save(tmp_path / "conditions.npy", np.eye(11, dtype=np.float32)[:3])
  out = train_py(dataset, *TINY, "--mode=sample",
                 f"--conditions={tmp_path / 'conditions.npy'}",
                 f"--model_dir={model_dir}")
  assert out.returncode == 0, out.stderr[-3000:]
  assert (model_dir / "samples_t1.png").exists()
  np.save(tmp_path / "wrong.npy", np.zeros((3, 4), np.float32))
  out = train_py(dataset, *TINY, "--mode=sample",
                 f"--conditions={tmp_path / 'wrong.npy'}",
                 f"--model_dir={model_dir}")
  assert out.returncode != 0 and "Traceback" not in out.stderr
  assert r"condition must have shape (11,)" in out.stderr
  # The export: a process with TensorFlow alone passes conditions.
  images, labels = load_digits("test")
  np.save(tmp_path / "x.npy", (images[:4] + 0.5).astype(np.float32) / 17.)
  np.save(tmp_path / "c.npy", np.eye(11, dtype=np.float32)[labels[:4]])
  got = tf_only(f"""
import json, numpy as np, tensorflow as tf
m = tf.saved_model.load("{model_dir / 'export'}").signatures
x, c = tf.constant(np.load("x.npy")), tf.constant(np.load("c.npy"))
lp = m["log_prob"](images=x, conditions=c)["log_prob"]
other = m["log_prob"](images=x, conditions=tf.roll(c, 1, axis=1))["log_prob"]
s = m["sample"](num_samples=tf.constant(2), temperature=tf.constant(1.),
                seed=tf.constant(3, tf.int64), conditions=c[:1])["images"]
print(json.dumps({{"lp": lp.numpy().tolist(), "other": other.numpy().tolist(),
                  "sample": s.shape.as_list()}}))
""", tmp_path)
  assert np.all(np.isfinite(got["lp"])) and got["lp"] != got["other"]
  assert got["sample"] == [2, 8, 8, 1]


def test_bad_condition_arrays_are_refused_before_any_work(tmp_path):
  for name, broken, words in (
      ("nan", {"train_conditions": np.full((1293, 11), np.nan)},
       "'train_conditions' must be one finite float condition per image"),
      ("short", {"test_conditions": np.zeros((5, 11), np.float32)},
       r"'test_conditions' must be .* got float32 \(5, 11\)"),
      ("shapes", {"test_conditions": np.zeros((360, 3), np.float32)},
       "the splits' conditions differ in shape")):
    dataset = _digits_with_conditions(tmp_path / f"{name}.npz", broken)
    model_dir = tmp_path / name
    out = train_py(dataset, *TINY, f"--model_dir={model_dir}")
    assert out.returncode != 0, name
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    assert re.search(words, out.stderr), out.stderr[-2000:]
    assert not os.path.exists(model_dir / "config.json"), name


def _folder_with_conditions(root, rows=None):
  """40 digit PNGs in a flat folder and their conditions.csv (the ink
  density and the class / 9, a 2-vector); `rows` replaces the CSV's rows."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  images, labels = load_digits("train")
  root.mkdir()
  lines = ["image,ink,digit"]
  for i in range(40):
    name = f"d{i:02d}.png"
    tf.io.write_file(str(root / name), tf.io.encode_png(
        (images[i] * 15).astype(np.uint8)))
    lines.append(f"{name},{images[i].mean() / 16:.4f},{labels[i] / 9:.4f}")
  (root / "conditions.csv").write_text("\n".join(rows or lines) + "\n")
  return f"--dataset=folder:{root}"


def test_a_folder_with_conditions_csv_trains_p_x_given_conditions(tmp_path):
  dataset = _folder_with_conditions(tmp_path / "pngs")
  model_dir = tmp_path / "run"
  out = train_py(dataset, *TINY, "--preset=digits", "--steps_per_epoch=2",
                 f"--model_dir={model_dir}")
  assert out.returncode == 0, out.stderr[-3000:]
  results = json.loads((model_dir / "results.json").read_text())
  assert results["conditioned_on"] == "conditions of shape (2,)"
  # The score mode reads each image's condition beside it.
  out = train_py(dataset, *TINY, "--preset=digits", "--mode=score",
                 f"--input={tmp_path / 'pngs'}", f"--model_dir={model_dir}",
                 f"--output={tmp_path / 'scores.csv'}")
  assert out.returncode == 0, out.stderr[-3000:]
  rows = (tmp_path / "scores.csv").read_text().splitlines()
  assert rows[0] == "image,bits_per_dim" and len(rows) == 41
  np.save(tmp_path / "bare.npy", np.zeros((2, 8, 8), np.uint8))
  out = train_py(dataset, *TINY, "--preset=digits", "--mode=score",
                 f"--input={tmp_path / 'bare.npy'}", f"--model_dir={model_dir}")
  assert out.returncode != 0 and "Traceback" not in out.stderr
  assert "This model is p(x|conditions): give" in out.stderr
  # A file without a row is named before any work.
  dataset = _folder_with_conditions(
      tmp_path / "short", rows=["image,ink,digit", "d00.png,0.1,0.2"])
  out = train_py(dataset, *TINY, f"--model_dir={tmp_path / 'short_run'}")
  assert out.returncode != 0 and "Traceback" not in out.stderr
  assert "conditions.csv has no row for 39 image(s), e.g. d01.png" in (
      out.stderr)
