"""Data: every paper data set through its real loader, the user's own data,
the paper's preprocessing, and what a run without data says.

The paper's data sets are prepared from files in their publishers' formats
(`publisher_files.py`) by the real TFDS builders, through the manual-download
folder a user fills; the checksums TFDS has registered are those of the real
files, so each test registers its stand-ins' checksums for the same URLs.
Then `train.py` trains two steps on the prepared data through the data
set's flagfile.
"""

import json
import os
import time

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_datasets.core.download import checksums

import publisher_files
from realnvp_testing import TINY_FLAGS
from realnvp_testing import train_py
from tfp_realnvp import data
from tfp_realnvp.data import preprocess

TINY_BATCH2_FLAGS = [*TINY_FLAGS, "--batch_size=2"]

# name -> (writer of the publisher's files, examples in the test split)
PAPER = {
    "cifar10": (publisher_files.cifar10, 8),
    "mnist": (publisher_files.mnist, 10000),
    "celeba": (publisher_files.celeba, 2),
    "imagenet32": (lambda d: publisher_files.downsampled_imagenet(d, 32), 6),
    "imagenet64": (lambda d: publisher_files.downsampled_imagenet(d, 64), 6),
}


def _train_two_steps(tmp_path, *flags, last=()):
  """Two steps of `flags` with TINY_BATCH2_FLAGS's settings (then `last`, which win)."""
  model_dir = tmp_path / "run"
  out = train_py(*flags, *TINY_BATCH2_FLAGS, *last, f"--model_dir={model_dir}")
  assert out.returncode == 0, out.stderr[-3000:]
  with open(model_dir / "results.json") as f:
    results = json.load(f)
  assert results["steps"] == 2
  assert np.isfinite(results["test_bits_per_dim"])
  return results


def _register_checksums(monkeypatch, builder, files):
  infos = type(builder).url_infos
  ours = {os.path.basename(p): checksums.compute_url_info(p) for p in files}
  for url, info in list(infos.items()):
    if info.filename in ours:
      monkeypatch.setitem(infos, url, ours[info.filename])


def _prepared(name, tmp_path, monkeypatch):
  """The paper data set `name` prepared by TFDS from the publisher's files."""
  data_dir = tmp_path / "tfds"
  manual = data_dir / "downloads" / "manual"
  manual.mkdir(parents=True)
  files = PAPER[name][0](str(manual))
  source = data.get_source(name, data_dir=str(data_dir))
  _register_checksums(monkeypatch, source.builder, files)
  source.prepare()  # what the job does when the manual folder holds them
  return source, data_dir


@pytest.mark.parametrize("name", sorted(PAPER))
def test_paper_data_set_through_its_tfds_builder_thentrain_py(
    name, tmp_path, monkeypatch):
  source, data_dir = _prepared(name, tmp_path, monkeypatch)
  assert source.builder.is_prepared()
  test = list(source.examples("test").as_numpy_iterator())
  assert len(test) == PAPER[name][1]
  train = list(source.examples("train", training=True, seed=0).take(4)
               .as_numpy_iterator())
  for pixels in test[:4] + train:
    assert pixels.shape == source.event_shape and pixels.dtype == np.int32
    assert 0 <= pixels.min() and pixels.max() <= 255
  labelled = name in ("cifar10", "mnist")  # the class-conditional job's data
  if labelled:
    assert source.num_classes == 10
    labels = [ex["label"] for ex in source.examples(
        "train", training=True, seed=0, labels=True).take(8)
              .as_numpy_iterator()]
    assert all(0 <= label < 10 for label in labels) and len(set(labels)) > 1
  attributes = name == "celeba"  # p(x | the 40 attributes)
  if attributes:
    assert source.condition_shape == (40,)
    assert source.attribute_names[:2] == ("5_o_Clock_Shadow",
                                          "Arched_Eyebrows")
    rows = np.stack([ex["condition"] for ex in source.examples(
        "train", labels=True).as_numpy_iterator()])
    assert rows.shape == (6, 40) and set(np.unique(rows)) == {0., 1.}
  results = _train_two_steps(tmp_path, f"--flagfile=flags/{name}.flags",
                             f"--data_dir={data_dir}",
                             *(["--conditional"] if labelled or attributes
                               else []),
                             # MNIST's 10000 test images in batches of 2
                             # were 4 of the test's 5 minutes.
                             last=["--batch_size=500"] if name == "mnist"
                             else ())
  assert results["dataset"] == name
  assert results["flags"]["conditional"] == (labelled or attributes)
  if attributes:
    assert results["conditioned_on"] == "conditions of shape (40,)"


def test_any_tfds_image_data_set_by_name(tmp_path, monkeypatch):
  _, data_dir = _prepared("cifar10", tmp_path, monkeypatch)
  source = data.get_source("tfds:cifar10", data_dir=str(data_dir))
  assert source.event_shape == (32, 32, 3)
  assert len(list(source.examples("test"))) == 8
  _train_two_steps(tmp_path, "--dataset=tfds:cifar10", f"--data_dir={data_dir}")


@pytest.mark.parametrize("category", ["bedroom", "tower", "church_outdoor"])
def test_lsun_lmdb_exports_through_the_projects_reader_thentrain_py(
    category, tmp_path):
  data_dir = tmp_path / "data"
  (data_dir / "lsun").mkdir(parents=True)
  publisher_files.lsun(str(data_dir / "lsun"), category)
  source = data.get_source(f"lsun_{category}", data_dir=str(data_dir))
  source.prepare()
  sizes = {s: len(list(source.examples(s))) for s in
           ("train", "validation", "test")}
  assert sizes == {"train": 39, "validation": 1, "test": 6}
  if category == "bedroom":  # the preprocessing and train.py, once: the
    # three flagfiles differ only in the category (test_job parses each)
    _check_lsun_augmentation(source)
    _train_two_steps(tmp_path, f"--flagfile=flags/lsun_{category}.flags",
                     f"--data_dir={data_dir}")


def _check_lsun_augmentation(source):
  evaluation = [list(source.examples("test").as_numpy_iterator())
                for _ in range(2)]
  np.testing.assert_array_equal(evaluation[0], evaluation[1])  # deterministic
  assert evaluation[0][0].shape == (64, 64, 3)
  train = source.examples("train", training=True, seed=3)
  epochs = [np.stack(list(train.take(8).as_numpy_iterator()))
            for _ in range(2)]
  assert np.abs(epochs[0] - epochs[1]).max() > 0  # new crops every epoch
  again = source.examples("train", training=True, seed=3)
  np.testing.assert_array_equal(
      np.stack(list(again.take(8).as_numpy_iterator())), epochs[0])


def test_lsun_preprocessing_resizes_the_shorter_side_to_96_then_crops_64():
  image = tf.constant(np.random.RandomState(0).randint(
      0, 256, (240, 320, 3)).astype(np.uint8))
  resized = preprocess.shorter_side_to(image, 96)
  assert resized.shape == (96, 128, 3)
  centre = preprocess.lsun(image, training=False).numpy()
  assert centre.shape == (64, 64, 3) and centre.dtype == np.int32
  np.testing.assert_array_equal(
      centre, np.round(resized.numpy()[16:80, 32:96]).clip(0, 255))
  crops = {preprocess.lsun(image, True, tf.constant([s, 0], tf.int64))
           .numpy().tobytes() for s in range(6)}
  assert len(crops) > 1


def test_digits_splits_follow_the_convention():
  sizes = {s: len(data.load_digits(s)[0]) for s in ("train", "validation", "test")}
  assert sizes == {"train": 1293, "validation": 144, "test": 360}
  train, _ = data.load_digits("train")
  assert train.dtype == np.int32 and train.min() == 0 and train.max() == 16
  with np.load(data.digits.PATH) as f:
    order = np.random.RandomState(0).permutation(len(f["images"]))
    np.testing.assert_array_equal(data.load_digits("test")[0],
                                  f["images"][order[1437:]])


# -- the user's own data ------------------------------------------------------

def _write_image_folder(folder, seed=0):
  """Two classes of PNG and JPEG files of different sizes."""
  rng = np.random.RandomState(seed)
  for label, name in enumerate(("cats", "dogs")):
    os.makedirs(folder / name)
    for i in range(12):
      image = rng.randint(0, 256, (rng.randint(10, 20), rng.randint(10, 20),
                                   3)).astype(np.uint8)
      encode = tf.io.encode_png if i % 2 else tf.io.encode_jpeg
      ext = "png" if i % 2 else "jpg"
      tf.io.write_file(str(folder / name / f"{i}.{ext}"), encode(image))


def test_folder_of_png_and_jpeg_files_with_class_subfolders(tmp_path):
  _write_image_folder(tmp_path / "pets")
  source = data.get_source(f"folder:{tmp_path / 'pets'}", image_size=8)
  source.prepare()
  assert source.num_classes == 2 and source.event_shape == (8, 8, 3)
  sizes = {s: len(list(source.examples(s))) for s in
           ("train", "validation", "test")}
  assert sizes == {"train": 22, "validation": 1, "test": 1}
  pairs = list(source.examples("train", labels=True).as_numpy_iterator())
  assert sorted({int(ex["label"]) for ex in pairs}) == [0, 1]
  assert all(ex["x"].shape == (8, 8, 3) for ex in pairs)
  unsized = data.get_source(f"folder:{tmp_path / 'pets'}")
  with pytest.raises(data.BadInput, match="different sizes: .* --image_size"):
    unsized.examples("train")
  results = _train_two_steps(tmp_path, f"--dataset=folder:{tmp_path / 'pets'}",
                             "--image_size=8", "--conditional")
  assert results["flags"]["image_size"] == 8 and results["flags"]["conditional"]


def test_npz_of_uint8_arrays(tmp_path):
  rng = np.random.RandomState(0)
  path = tmp_path / "faces.npz"
  np.savez(path, images=rng.randint(0, 256, (40, 8, 8)).astype(np.uint8),
           labels=rng.randint(0, 3, 40))
  source = data.get_source(f"npz:{path}")
  source.prepare()
  assert source.event_shape == (8, 8, 1) and source.num_levels == 256
  assert source.num_classes == 3
  pairs = list(source.examples("test", labels=True).as_numpy_iterator())
  assert [ex["x"].shape for ex in pairs] == [(8, 8, 1)] * 2
  _train_two_steps(tmp_path, f"--dataset=npz:{path}")
  np.savez(tmp_path / "floats.npz", images=rng.uniform(size=(4, 8, 8)))
  with pytest.raises(data.BadInput, match="must be integer pixels"):
    data.get_source(f"npz:{tmp_path / 'floats.npz'}").prepare()


# -- missing data -------------------------------------------------------------

def test_a_paper_run_without_data_says_what_to_do_and_writes_nothing(tmp_path):
  model_dir = tmp_path / "c10"
  start = time.monotonic()
  out = train_py("--flagfile=flags/cifar10.flags",
                  f"--data_dir={tmp_path / 'empty'}", f"--model_dir={model_dir}",
                  timeout=60)
  seconds = time.monotonic() - start
  assert out.returncode == 1 and seconds < 60
  message = out.stderr
  for words in ("No cifar10 data", str(tmp_path / "empty"), "--download",
                "cifar-10-binary.tar.gz",
                str(tmp_path / "empty" / "downloads" / "manual")):
    assert words in message, message
  assert "Traceback" not in message
  assert not model_dir.exists()
  assert not (tmp_path / "empty").exists()


@pytest.mark.parametrize("name, files", [
    ("imagenet32", "train_32x32.tar, valid_32x32.tar"),
    ("lsun_tower", "tower_train_lmdb.zip, tower_val_lmdb.zip"),
    ("celeba", "img_align_celeba.zip, list_eval_partition.txt"),
])
def test_missing_data_names_the_publishers_files(name, files, tmp_path):
  with pytest.raises(data.DataUnavailable, match=f"No {name} data") as error:
    data.get_source(name, data_dir=str(tmp_path)).prepare()
  assert files in str(error.value) and str(tmp_path) in str(error.value)
