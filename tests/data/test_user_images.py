"""The user's own images as real folders hold them: every colour mode, stray
and bad files, mixed sizes, a cached index of 100,000 files, npz arrays and
the folders `--mode=score` reads; through `train.py` at the end."""

import json
import os
import time

import numpy as np
import pytest
import tensorflow as tf

import user_images
from realnvp_testing import TINY_FLAGS
from realnvp_testing import report
from realnvp_testing import train_py
from tfp_realnvp import data
from tfp_realnvp.data import folder_index
from tfp_realnvp.data import image_headers
from tfp_realnvp.data import pipeline
from tfp_realnvp.data import preprocess
from tfp_realnvp.data import score_inputs


def _luma(rgb):
  return np.round(rgb.astype(np.float64) @ [0.299, 0.587, 0.114])


def _decoded(source):
  """{file name: int32 pixels} of every image of the source's three splits."""
  out = {}
  for split in ("train", "validation", "test"):
    entries = source.index.split(split)
    if entries:
      for e, x in zip(entries, source.examples(split).as_numpy_iterator()):
        out[os.path.basename(e.path).split(".")[0]] = x
  return out


def test_headers_say_what_the_decoder_gives(tmp_path):
  paths = user_images.write_mixed(str(tmp_path))
  for name, path in paths.items():
    header = image_headers.read(path)
    decoded = tf.io.decode_image(tf.io.read_file(path), expand_animations=False)
    assert header.problem is None, (name, header)
    assert (header.height, header.width, header.channels) == decoded.shape, name
    assert header.color == (name not in user_images.GRAY), name


@pytest.mark.parametrize("mode", ["rgb", "grayscale", "rgba"])
def test_every_file_mode_is_converted_to_the_colour_mode(mode, tmp_path):
  paths = user_images.write_mixed(str(tmp_path))
  source = data.get_source(f"folder:{tmp_path}", color_mode=mode)
  channels = {"rgb": 3, "grayscale": 1, "rgba": 4}[mode]
  assert source.event_shape == (12, 10, channels)
  assert len(source.index.entries) == len(paths)  # the junk files ignored
  decoded = _decoded(source)
  assert set(decoded) == set(paths)
  for name, x in decoded.items():
    rgb = user_images.expected_rgb(paths[name]).astype(np.int64)
    tolerance = 12 if "jpeg" in name else 1  # JPEG: libjpeg vs Pillow's IDCT
    want = {"rgb": rgb, "rgba": rgb, "grayscale": _luma(rgb)[..., None]}[mode]
    assert x.shape == (12, 10, channels) and x.dtype == np.int32
    assert np.abs(x[..., :3] - want).max() <= tolerance, (name, mode)
    if mode == "rgba":  # the file's alpha, else opaque
      assert (x[..., 3] == (128 if name == "rgba_png" else 255)).all(), name


def test_the_default_mode_is_rgb_if_any_image_has_colour(tmp_path):
  rng = np.random.RandomState(0)
  gray = tmp_path / "gray"
  gray.mkdir()
  for name in user_images.GRAY + ("palette_png",):
    pixels = rng.randint(0, 256, (8, 8, 3)).astype(np.uint8)
    if name == "palette_png":  # a palette of grays only: no colour
      pixels[..., 1] = pixels[..., 2] = pixels[..., 0]
    user_images.write(str(gray / f"{name}.{user_images.MODES[name][2]}"),
                      pixels, name)
  source = data.get_source(f"folder:{gray}")
  assert source.event_shape == (8, 8, 1) and source.mode == "grayscale"
  user_images.write(str(gray / "colour.jpg"), rng.randint(
      0, 256, (8, 8, 3)).astype(np.uint8), "rgb_jpeg")
  again = data.get_source(f"folder:{gray}")
  assert again.event_shape == (8, 8, 3) and again.mode == "rgb"


def _folder_with_bad_files(folder):
  paths = user_images.write_mixed(str(folder))
  user_images.truncated(str(folder / "a" / "cut.jpg"), paths["rgb_jpeg"])
  user_images.truncated(str(folder / "b" / "cut.png"), paths["rgb_png"])
  (folder / "b" / "text.png").write_text("a text file named .png")
  (folder / "b" / "empty.gif").write_bytes(b"")
  return paths


def test_bad_files_are_named_before_any_decoding(tmp_path, capsys):
  paths = _folder_with_bad_files(tmp_path)
  source = data.get_source(f"folder:{tmp_path}")
  with pytest.raises(data.BadInput) as error:
    source.prepare()
  message = str(error.value)
  report("message for a truncated file", message)
  assert message.startswith(f"4 of {len(paths) + 4} image files below "
                            f"{tmp_path} cannot be decoded: a/cut.jpg "
                            "(truncated: the JPEG has no end-of-image marker)")
  assert "and 1 more" in message and "--skip_bad_images" in message
  with pytest.raises(data.BadInput):  # the data too: never a decoder error
    source.examples("train")
  skipping = data.get_source(f"folder:{tmp_path}", skip_bad_images=True)
  skipping.prepare()
  assert len(_decoded(skipping)) == len(paths)
  assert f"{len(paths)} images (4 left out), colour mode rgb" in (
      capsys.readouterr().out)


def test_a_split_left_empty_is_named_before_training(tmp_path):
  rng = np.random.RandomState(0)
  for i in range(8):  # 90/5/5 of 8 files: 7/1/0
    user_images.write(str(tmp_path / f"{i}.png"), rng.randint(
        0, 256, (8, 8, 3)).astype(np.uint8), "rgb_png")
  with pytest.raises(data.DataUnavailable, match=(
      "the test split has no images: 8 files split 90/5/5 give 7/1/0 good "
      "images to train/validation/test. Use 20 images or more")):
    data.get_source(f"folder:{tmp_path}").prepare()
  for split in ("train", "validation"):
    (tmp_path / split).mkdir()
  for i in range(8):
    os.rename(tmp_path / f"{i}.png", tmp_path / ("train" if i else
                                                 "validation") / f"{i}.png")
  with pytest.raises(data.DataUnavailable, match="the test split has no "
                     "images: test/ is missing or empty"):
    data.get_source(f"folder:{tmp_path}").prepare()


def test_images_of_different_sizes_are_refused_naming_two(tmp_path):
  rng = np.random.RandomState(0)
  for i, size in enumerate([(8, 8), (8, 8), (10, 6), (12, 12)]):
    user_images.write(str(tmp_path / f"{i}.png"), rng.randint(
        0, 256, size + (3,)).astype(np.uint8), "rgb_png")
  with pytest.raises(data.BadInput) as error:
    data.get_source(f"folder:{tmp_path}").prepare()
  message = str(error.value)
  report("message for mixed sizes", message)
  assert message == (f"The images below {tmp_path} have different sizes: "
                     "0.png is 8x8, 2.png is 10x6 (3 sizes in all). Pass "
                     "--image_size=S to centre-crop and resize each to S x S.")
  resized = data.get_source(f"folder:{tmp_path}", image_size=6)
  assert {x.shape for x in _decoded(resized).values()} == {(6, 6, 3)}


def test_split_folders_share_the_training_classes(tmp_path):
  rng = np.random.RandomState(0)
  for split, label in [("train", "cat"), ("train", "dog"), ("val", "dog"),
                       ("test", "cat")]:
    (tmp_path / split / label).mkdir(parents=True, exist_ok=True)
    user_images.write(str(tmp_path / split / label / "0.png"), rng.randint(
        0, 256, (8, 8, 3)).astype(np.uint8), "rgb_png")
  source = data.get_source(f"folder:{tmp_path}")
  assert source.num_classes == 2
  labels = {s: [int(ex["label"]) for ex in source.examples(
      s, labels=True).as_numpy_iterator()] for s in ("validation", "test")}
  assert labels == {"validation": [1], "test": [0]}  # dog is 1 everywhere
  (tmp_path / "test" / "zebra").mkdir()
  user_images.write(str(tmp_path / "test" / "zebra" / "0.png"), rng.randint(
      0, 256, (8, 8, 3)).astype(np.uint8), "rgb_png")
  with pytest.raises(data.BadInput, match="test/zebra: a class that train/"):
    data.get_source(f"folder:{tmp_path}").prepare()


def test_the_index_is_cached_and_follows_the_folder(tmp_path, monkeypatch):
  monkeypatch.setattr(folder_index, "CACHE_MIN", 5)
  paths = user_images.write_mixed(str(tmp_path))
  first = folder_index.FolderIndex.build(str(tmp_path))
  assert first.headers_read == len(paths)
  assert (tmp_path / folder_index.CACHE_NAME).exists()
  again = folder_index.FolderIndex.build(str(tmp_path))
  assert again.headers_read == 0 and again.entries == first.entries
  os.remove(paths["gif"])  # the folder changes: one file gone, one cut
  user_images.truncated(paths["rgb_png"], paths["rgba_png"])
  changed = folder_index.FolderIndex.build(str(tmp_path))
  assert changed.headers_read == 1 and len(changed.entries) == len(paths) - 1
  assert [os.path.basename(e.path) for e in changed.bad] == ["rgb_png.png"]
  # A folder the run cannot write keeps its index in model_dir.
  os.remove(tmp_path / folder_index.CACHE_NAME)
  (tmp_path / folder_index.CACHE_NAME).mkdir()  # unwritable there
  folder_index.FolderIndex.build(str(tmp_path), str(tmp_path / "run"))
  assert (tmp_path / "run" / folder_index.FALLBACK_NAME).exists()
  cached = folder_index.FolderIndex.build(str(tmp_path), str(tmp_path / "run"))
  assert cached.headers_read == 0


def test_a_folder_of_100000_files_is_listed_once_then_trains(tmp_path):
  """Times the index of 100,000 small PNGs (cold, then cached) and the
  first training batch after it; the README states the figures."""
  pngs = [tf.io.encode_png(np.full((8, 8, 1), i, np.uint8)).numpy()
          for i in range(10)]
  for c in range(10):
    os.makedirs(tmp_path / f"class{c}")
    for i in range(10_000):
      with open(tmp_path / f"class{c}" / f"{i:05d}.png", "wb") as f:
        f.write(pngs[(i + c) % 10])
  seconds = {}
  for run in ("first", "cached"):
    start = time.monotonic()
    source = data.get_source(f"folder:{tmp_path}")
    source.prepare()
    seconds[run] = time.monotonic() - start
    assert source.index.headers_read == (100_000 if run == "first" else 0)
  start = time.monotonic()
  batches = pipeline.batched(source.examples("train", True, seed=0,
                                             labels=True), 64, shuffle=True)
  batch = next(iter(batches))
  seconds["first batch"] = time.monotonic() - start
  assert batch["x"].shape == (64, 8, 8, 1) and source.num_classes == 10
  assert len(set(batch["label"].numpy())) > 1
  report("100,000-file folder: index (s), first run",
         round(seconds["first"], 2))
  report("100,000-file folder: index (s), cached", round(seconds["cached"], 2))
  report("100,000-file folder: first batch of 64 (s)",
         round(seconds["first batch"], 2))


def test_npz_arrays_are_checked_and_a_lone_array_is_the_images(tmp_path):
  rng = np.random.RandomState(0)
  np.savez(tmp_path / "lone.npz", rng.randint(0, 256, (20, 8, 8, 3))
           .astype(np.uint8))  # saved as arr_0
  source = data.get_source(f"npz:{tmp_path / 'lone.npz'}")
  source.prepare()
  assert source.event_shape == (8, 8, 3)
  assert len(list(source.examples("train"))) == 18
  for name, arrays, words in [
      ("floats", dict(images=rng.uniform(size=(4, 8, 8))),
       "integer pixels of shape (N, H, W) or (N, H, W, C); got float64"),
      ("rank", dict(images=np.zeros((4, 8), np.uint8)), "got uint8 (4, 8)"),
      ("range", dict(images=np.full((4, 8, 8), 20), num_levels=17),
       "pixel values span [20, 20]; they must be integers in [0, 16]"),
      ("labels", dict(images=np.zeros((4, 8, 8), np.uint8),
                      labels=np.zeros(3, int)),
       "'labels' must be one integer class >= 0 per image"),
      ("two", dict(a=np.zeros((4, 8, 8), np.uint8),
                   b=np.zeros((4, 8, 8), np.uint8)), "name the images array"),
  ]:
    np.savez(tmp_path / f"{name}.npz", **arrays)
    with pytest.raises(data.BadInput) as error:
      data.get_source(f"npz:{tmp_path / name}.npz").prepare()
    assert words in str(error.value), (name, str(error.value))


def test_score_folders_are_checked_and_converted_like_training_folders(
    tmp_path):
  paths = _folder_with_bad_files(tmp_path)
  as_pixels = lambda image: preprocess.as_pixels(image, False)
  with pytest.raises(data.BadInput, match="a/cut.jpg"):
    score_inputs.read_for_scoring(str(tmp_path), as_pixels, (12, 10, 3), 256)
  names, pixels = score_inputs.read_for_scoring(
      str(tmp_path), as_pixels, (12, 10, 1), 256, skip_bad=True)
  assert len(names) == len(paths) and pixels.shape == (len(paths), 12, 10, 1)
  gray = pixels[names.index("a/gray_png.png")][..., 0]
  np.testing.assert_array_equal(
      gray, user_images.expected_rgb(paths["gray_png"])[..., 0])
  np.save(tmp_path / "lone.npy", np.zeros((2, 12, 10, 1), np.int64))
  names, pixels = score_inputs.read_for_scoring(
      str(tmp_path / "lone.npy"), as_pixels, (12, 10, 1), 256)
  assert names == ["0", "1"]


def test_a_real_folder_through_train_py(tmp_path):
  """Mixed modes, junk files and a truncated copy: refused by name and
  nothing written; then trained with --skip_bad_images."""
  folder = tmp_path / "photos"
  _folder_with_bad_files(folder)
  model_dir = tmp_path / "run"
  flags = [*TINY_FLAGS, "--batch_size=2", f"--dataset=folder:{folder}",
           f"--model_dir={model_dir}", "--image_size=8"]
  refused = train_py(*flags, timeout=120)
  assert refused.returncode == 1
  assert "a/cut.jpg (truncated" in refused.stderr
  assert "Traceback" not in refused.stderr and not model_dir.exists()
  out = train_py(*flags, "--skip_bad_images")
  assert out.returncode == 0, out.stderr[-3000:]
  assert "Leaving out the 4 of 16 image files" in out.stdout
  assert "colour mode rgb" in out.stdout
  with open(model_dir / "results.json") as f:
    results = json.load(f)
  assert results["steps"] == 2 and np.isfinite(results["test_bits_per_dim"])
