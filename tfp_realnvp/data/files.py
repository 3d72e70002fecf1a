"""The user's own images: a folder of image files, or an .npz of uint8 arrays.

`folder:PATH`: every PNG, JPEG, GIF or BMP file below PATH. Images directly
in PATH have no label; one subfolder per class gives labels (subfolder names
in sorted order). Subfolders named `train`, `validation` (or `val`) and
`test` are the splits; otherwise a fixed permutation (RandomState(0)) of the
files gives 90% train, 5% validation, 5% test.

`npz:PATH`: a uint8 array `images` (N, H, W[, C]), optionally `labels`
(N,); or `train`, `validation`, `test` arrays (and `train_labels`). 256
levels unless the file holds `num_levels` (e.g. 17 for pixels 0..16).

Both: `--image_size S` centre-crops to a square and resizes (antialiased)
to S x S; without it every image must have the same size.
"""

import functools
import os

import numpy as np

from tfp_realnvp.data import preprocess
from tfp_realnvp.data.sources import DataUnavailable
from tfp_realnvp.data.sources import Source

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".bmp")
SPLIT_NAMES = {"train": ("train",), "validation": ("validation", "val"),
               "test": ("test",)}
FRACTIONS = (0.9, 0.05)


def split_indices(n, split):
  """Indices of `split` in a fixed permutation of n examples (90/5/5)."""
  order = np.random.RandomState(0).permutation(n)
  a = int(round(n * FRACTIONS[0]))
  b = a + max(1, int(round(n * FRACTIONS[1])))
  return {"train": order[:a], "validation": order[a:b],
          "test": order[b:]}[split]


def _image_files(folder):
  """(sorted files, labels or None) of the images below `folder`."""
  if not os.path.isdir(folder):
    return [], None
  files, labels = [], []
  classes = sorted(d for d in os.listdir(folder)
                   if os.path.isdir(os.path.join(folder, d)))
  for name in sorted(os.listdir(folder)):
    if name.lower().endswith(IMAGE_EXTENSIONS):
      files.append(os.path.join(folder, name))
      labels.append(-1)
  for label, name in enumerate(classes):
    for root, _, names in sorted(os.walk(os.path.join(folder, name))):
      for f in sorted(names):
        if f.lower().endswith(IMAGE_EXTENSIONS):
          files.append(os.path.join(root, f))
          labels.append(label)
  has_labels = bool(classes) and -1 not in labels
  return files, (np.array(labels, np.int32) if has_labels else None)


class FolderSource(Source):
  """`folder:PATH`; see the module docstring."""

  def __init__(self, path, image_size=None):
    self.name = f"folder:{path}"
    self.path = os.path.expanduser(path)
    self.image_size = image_size
    self._split_dirs = {
        split: next((os.path.join(self.path, n) for n in names
                     if os.path.isdir(os.path.join(self.path, n))), None)
        for split, names in SPLIT_NAMES.items()}

  def _files(self, split):
    if self._split_dirs["train"]:
      return _image_files(self._split_dirs[split] or "")
    files, labels = _image_files(self.path)
    index = split_indices(len(files), split)
    return ([files[i] for i in index],
            None if labels is None else labels[index])

  def prepare(self, download=False):
    del download
    files, labels = self._files("train")
    if not files:
      raise DataUnavailable(
          f"No images in {self.path}: --dataset=folder:PATH wants image files "
          f"({', '.join(IMAGE_EXTENSIONS)}) in PATH, in one subfolder per "
          "class, or in train/, validation/ and test/ subfolders.")
    self.num_classes = None if labels is None else int(labels.max()) + 1

  def _decode(self, path):
    import tensorflow as tf
    return tf.io.decode_image(tf.io.read_file(path), expand_animations=False,
                              dtype=tf.uint8)

  @property
  def event_shape(self):
    first = self._decode(self._files("train")[0][0]).shape
    if self.image_size:
      return (self.image_size, self.image_size, first[-1])
    return tuple(first)

  def examples(self, split, training=False, seed=0):
    import tensorflow as tf
    files, _ = self._files(split)
    shape = self.event_shape
    if not files:
      raise DataUnavailable(f"{self.name}: the {split} split has no images.")

    def load(path):
      image = self._decode(path)
      if self.image_size:
        return preprocess.centre_crop_resize(image, self.image_size)
      image = tf.ensure_shape(image, [None, None, shape[-1]])
      tf.debugging.assert_equal(
          tf.shape(image)[:2], shape[:2],
          message=f"{self.name}: images of different sizes; pass "
          "--image_size to centre-crop and resize them")
      return tf.cast(image, tf.int32)

    ds = tf.data.Dataset.from_tensor_slices(files)
    if training:
      ds = ds.shuffle(len(files), seed=seed)
    return ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)


class NpzSource(Source):
  """`npz:PATH`; see the module docstring."""

  def __init__(self, path, image_size=None):
    self.name = f"npz:{path}"
    self.path = os.path.expanduser(path)
    self.image_size = image_size

  def prepare(self, download=False):
    del download
    labels = self._arrays.get("labels", self._arrays.get("train_labels"))
    self.num_classes = None if labels is None else int(labels.max()) + 1

  @functools.cached_property
  def _arrays(self):
    """The file's arrays, checked; `DataUnavailable` names what is wrong."""
    if not os.path.exists(self.path):
      raise DataUnavailable(f"{self.path} does not exist: --dataset=npz:PATH "
                            "wants an .npz file of uint8 image arrays.")
    try:
      with np.load(self.path) as f:
        arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError) as e:
      raise DataUnavailable(f"{self.path} is not a readable .npz file "
                            f"({e}).") from None
    if "images" not in arrays and "train" not in arrays:
      raise DataUnavailable(f"{self.path} holds {sorted(arrays)}; it needs "
                            "an array 'images' (or 'train', 'validation', "
                            "'test').")
    images = arrays.get("images", arrays.get("train"))
    if images.dtype != np.uint8 or images.ndim not in (3, 4):
      raise DataUnavailable(
          f"{self.path}: images must be uint8 of shape (N, H, W) or "
          f"(N, H, W, C); got {images.dtype} {images.shape}.")
    return arrays

  def _split(self, split):
    a = self._arrays
    if "images" in a:
      index = split_indices(len(a["images"]), split)
      images = a["images"][index]
    else:
      images = a[split]
    return images[..., None] if images.ndim == 3 else images

  @property
  def num_levels(self):
    return int(self._arrays.get("num_levels", 256))

  @property
  def event_shape(self):
    images = self._arrays.get("images", self._arrays.get("train"))
    shape = images.shape[1:] + ((1,) if images.ndim == 3 else ())
    if self.image_size:
      return (self.image_size, self.image_size, shape[-1])
    return tuple(shape)

  def examples(self, split, training=False, seed=0):
    import tensorflow as tf
    images = self._split(split)
    ds = tf.data.Dataset.from_tensor_slices(images)
    if training:  # the whole array: cheap here, and a better shuffle
      ds = ds.shuffle(len(images), seed=seed)
    return preprocess.apply(ds, preprocess.at_size(self.image_size), False,
                            seed)
