"""gs:// end to end: every mode of train.py on a bucket, through TensorFlow's GCS client.

The bucket is a local GCS emulator (`gcs_emulator.py`); TensorFlow's own
`gs://` file system talks to it over TLS, as it would to Google. Each run's
working directory is checked afterwards: nothing lands on local disk.
"""

import csv
import io
import json
import os
import signal
import time

import numpy as np
import pytest

import gcs_emulator
import realnvp_testing
from realnvp_testing import ENV
from realnvp_testing import TrainPy
from realnvp_testing import report
from realnvp_testing import train_py

pytestmark = pytest.mark.skipif(gcs_emulator.available() is not None,
                                reason=str(gcs_emulator.available()))

FLAGS = [*realnvp_testing.TINY_FLAGS, "--num_scales=1", "--eval_draws=1",
         "--steps_per_epoch=3"]


@pytest.fixture(scope="module")
def gcs():
  with gcs_emulator.LocalGCS() as bucket:
    bucket.apply()  # this process reads the bucket through tf.io.gfile too
    yield bucket


def _run(gcs, tmp_path, *flags):
  """train.py in an empty working directory, which must stay empty."""
  cwd = tmp_path / f"cwd{len(os.listdir(tmp_path))}"
  cwd.mkdir()
  begin = time.monotonic()
  done = train_py(*flags, cwd=cwd, env={**ENV, **gcs.env})
  assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
  assert not os.listdir(cwd), f"local files of a gs:// run: {os.listdir(cwd)}"
  return done.stdout, time.monotonic() - begin


def _read(path, mode="r"):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  with tf.io.gfile.GFile(path, mode) as f:
    return f.read()


def _write(path, data, mode="wb"):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  with tf.io.gfile.GFile(path, mode) as f:
    f.write(data)


def _listing(path):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return sorted(n.rstrip("/") for n in tf.io.gfile.listdir(path))


def _digits_npz_on_the_bucket(gcs):
  """`--dataset=npz:gs://...` of 60 digits (uint8, 0..16)."""
  from tfp_realnvp.data import digits  # pylint: disable=g-import-not-at-top
  images = digits.load_digits("train")[0][:60].astype(np.uint8)
  arrays = io.BytesIO()
  np.savez(arrays, images=images)
  _write(gcs.url("digits.npz"), arrays.getvalue())
  return images, f"--dataset=npz:{gcs.url('digits.npz')}"


def test_every_mode_reads_and_writes_the_bucket(gcs, tmp_path):
  """Data, model_dir, export and scores all on the bucket."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  model_dir = gcs.url("runs", "digits")
  times = {}
  _, data = _digits_npz_on_the_bucket(gcs)
  flags = [*FLAGS, data]
  out, times["train"] = _run(gcs, tmp_path, *flags, "--epochs=2", "--export",
                             f"--model_dir={model_dir}")
  assert f"model_dir: {model_dir}" in out
  assert {"config.json", "settings.json", "flags.txt", "log.csv",
          "results.json", "best.weights.h5", "samples.png", "checkpoints",
          "backup", "tensorboard", "export"} <= set(_listing(model_dir))
  assert "LEASE" not in _listing(model_dir)
  results = json.loads(_read(f"{model_dir}/results.json"))
  assert results["steps"] == 6 and results["export_dir"] == f"{model_dir}/export"
  assert _listing(f"{model_dir}/checkpoints") == [
      "epoch_0001.weights.h5", "epoch_0002.weights.h5"]

  # The same command with more epochs resumes from the bucket's state.
  out, times["resume"] = _run(gcs, tmp_path, *flags, "--epochs=3",
                              f"--model_dir={model_dir}")
  assert "Resuming at step 6 (epoch 3, batch 1)" in out
  assert json.loads(_read(f"{model_dir}/results.json"))["steps"] == 9
  rows = list(csv.DictReader(io.StringIO(_read(f"{model_dir}/log.csv"))))
  assert [r["epoch"] for r in rows] == ["0", "1", "2"]

  out, times["eval"] = _run(gcs, tmp_path, *flags, "--mode=eval",
                            f"--model_dir={model_dir}")
  assert "test_bits_per_dim" in out
  out, times["sample"] = _run(gcs, tmp_path, *flags, "--mode=sample",
                              "--temperature=0.7", f"--model_dir={model_dir}")
  png = _read(f"{model_dir}/samples_t0.7.png", "rb")
  assert png.startswith(b"\x89PNG")
  exported = gcs.url("exported", "digits")
  out, times["export"] = _run(gcs, tmp_path, *flags, "--mode=export",
                              f"--model_dir={model_dir}",
                              f"--export_dir={exported}")
  loaded = tf.saved_model.load(exported)
  pixels = np.random.RandomState(0).randint(0, 17, (2, 8, 8, 1))
  bits = loaded.signatures["bits_per_dim"](
      pixels=tf.constant(pixels, tf.int32))["bits_per_dim"].numpy()
  assert bits.shape == (2,) and np.all(np.isfinite(bits))

  arrays = io.BytesIO()
  np.savez(arrays, images=pixels.astype(np.uint8))
  _write(gcs.url("to_score.npz"), arrays.getvalue())
  scores = gcs.url("scores", "digits.csv")
  out, times["score"] = _run(gcs, tmp_path, *flags, "--mode=score",
                             f"--model_dir={model_dir}",
                             f"--input={gcs.url('to_score.npz')}",
                             f"--output={scores}")
  rows = list(csv.DictReader(io.StringIO(_read(scores))))
  assert [r["image"] for r in rows] == ["0", "1"]
  report("gs:// seconds per mode (emulator)",
         ", ".join(f"{k} {v:.0f}" for k, v in times.items()))


def test_folder_data_on_the_bucket(gcs, tmp_path):
  """(npz: data on the bucket: the test above.)"""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  images, _ = _digits_npz_on_the_bucket(gcs)
  for i, image in enumerate(images):
    _write(gcs.url("pngs", f"img_{i:03d}.png"),
           tf.io.encode_png(image * 15).numpy())
  _write(gcs.url("pngs", "notes.txt"), b"not an image", "wb")
  _run(gcs, tmp_path, *FLAGS, f"--dataset=folder:{gcs.url('pngs')}",
       f"--model_dir={gcs.url('runs', 'folder')}")
  assert json.loads(_read(gcs.url("runs", "folder", "results.json")))[
      "steps"] == 3


def test_sigterm_on_a_bucket_saves_there_and_resumes(gcs, tmp_path):
  model_dir = gcs.url("runs", "preempted")
  command = [*realnvp_testing.TINY_FLAGS, "--num_scales=1", "--epochs=1",
             "--steps_per_epoch=3000", "--save_every=0",
             f"--model_dir={model_dir}"]
  run = TrainPy(*command, log_path=tmp_path / "first.txt",
                env={**ENV, **gcs.env})
  try:
    run.wait_for(lambda: "model_dir:" in run.output)
    time.sleep(12)  # start-up, tracing, then some steps
    run.signal(signal.SIGTERM)
    assert run.wait(60) == 75, run.output[-3000:]
  finally:
    run.kill()
  state = json.loads(_read(f"{model_dir}/backup/state.json"))
  assert 0 < state["step"] < 3000 and state["batch"] == state["step"]
  out, _ = _run(gcs, tmp_path, *command)
  assert f"Resuming at step {state['step']} (epoch 1, batch " in out
  assert json.loads(_read(f"{model_dir}/results.json"))["steps"] == 3000
