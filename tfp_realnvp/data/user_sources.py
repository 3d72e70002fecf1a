"""The user's own images: a folder of image files, or an .npz of pixel arrays.

`folder:PATH`: every PNG, JPEG, GIF or BMP file below PATH (other and
hidden files are ignored); labels and splits from the folder layout
(`folder_index.py`). Every file's header is checked before the first image
is decoded: bad files (truncated, not an image, a kind TensorFlow cannot
decode) are refused by name, or left out with `skip_bad_images`; images of
different sizes are refused unless `image_size` is given. Every image is
converted to one colour mode (`preprocess.to_channels`): `color_mode`, or
by default "rgb" if any image has colour, else "grayscale".

`npz:PATH`: integer pixels `images` (N, H, W[, C]) (or the file's only
array, whatever its name: `np.savez(path, x)` names it `arr_0`), optionally
`labels` (N,); or `train`, `validation`, `test` arrays (and
`train_labels`...). 256 levels unless the file holds `num_levels` (e.g. 17
for pixels 0..16); every array is checked (integer dtype, rank, values in
[0, num_levels)) before any work.

Both: `image_size` S centre-crops to a square and resizes (antialiased) to
S x S.
"""

import functools

import numpy as np

from tfp_realnvp import checks
from tfp_realnvp import storage
from tfp_realnvp.data import folder_index
from tfp_realnvp.data import preprocess
from tfp_realnvp.data.sources import BadInput
from tfp_realnvp.data.sources import DataUnavailable
from tfp_realnvp.data.sources import Source
from tfp_realnvp.models import inputs

SHOWN = 3  # bad files named in a message


def _named(entries):
  shown = ", ".join(f"{e.path} ({e.header.problem})" for e in entries[:SHOWN])
  more = len(entries) - SHOWN
  return shown + (f" and {more} more" if more > 0 else "")


def check_files(index, skip_bad):
  """Refuses (`BadInput`) the bad files of `index` by name, or with
  `skip_bad` says which are left out; returns that line or None."""
  bad = index.bad
  if not bad:
    return None
  counts = f"{len(bad)} of {len(index.entries)} image files below {index.root}"
  if not skip_bad:
    raise BadInput(f"{counts} cannot be decoded: {_named(bad)}. Fix or "
                   "remove them, or pass --skip_bad_images to leave them out.")
  line = (f"Leaving out the {counts} that cannot be decoded "
          f"(--skip_bad_images): {_named(bad)}.")
  print(line, flush=True)
  return line


def check_one_size(index):
  """Refuses (`BadInput`) images of different sizes, naming two."""
  sizes = index.sizes()
  if len(sizes) > 1:
    (a, first), (b, second) = list(sizes.items())[:2]
    raise BadInput(
        f"The images below {index.root} have different sizes: "
        f"{first.path} is {a[0]}x{a[1]}, {second.path} is {b[0]}x{b[1]} "
        f"({len(sizes)} sizes in all). Pass --image_size=S to centre-crop "
        "and resize each to S x S.")


class FolderSource(Source):
  """`folder:PATH`; see the module docstring."""

  def __init__(self, path, image_size=None, color_mode=None,
               skip_bad_images=False, index_dir=None):
    self.name = f"folder:{path}"
    self.path = storage.expand(path)
    self.image_size = image_size
    self.color_mode = color_mode
    self.skip_bad_images = skip_bad_images
    self.index_dir = index_dir  # where the index goes if PATH is read-only

  @functools.cached_property
  def index(self):
    """The folder's `FolderIndex`, its files checked: listed once."""
    index = folder_index.FolderIndex.build(self.path, self.index_dir)
    if not index.entries:
      raise DataUnavailable(
          f"No images in {self.path}: --dataset=folder:PATH wants image files "
          "(.png, .jpg, .jpeg, .gif, .bmp) in PATH, in one subfolder per "
          "class, or in train/, validation/ and test/ subfolders.")
    check_files(index, self.skip_bad_images)
    if not self.image_size:
      check_one_size(index)
    if not index.split("train"):
      raise DataUnavailable(f"{self.path}: the train split has no images.")
    return index

  def prepare(self, download=False):
    del download
    empty = self.index.empty_split()  # a run uses every split: say so now
    if empty:
      raise DataUnavailable(f"{self.path}: {empty}")
    bad = len(self.index.bad)
    print(f"{self.name}: {len(self.index.entries) - bad} images"
          f"{f' ({bad} left out)' if bad else ''}, colour mode {self.mode}",
          flush=True)

  @functools.cached_property
  def mode(self):
    """The colour mode: `color_mode`, else rgb if any image has colour."""
    return self.color_mode or ("rgb" if self.index.has_color() else
                               "grayscale")

  @property
  def num_classes(self):
    return len(self.index.classes) if self.index.has_labels else None

  @functools.cached_property
  def event_shape(self):
    channels = preprocess.COLOR_MODES[self.mode]
    if self.image_size:
      return (self.image_size, self.image_size, channels)
    (height, width), = self.index.sizes()
    return (height, width, channels)

  def preprocess(self, image):
    return preprocess.at_size(self.image_size)(image, False)

  def examples(self, split, training=False, seed=0, labels=False):
    import tensorflow as tf
    if labels:
      self.check_labels()
    entries = self.index.split(split)
    if not entries:
      raise DataUnavailable(f"{self.name}: the {split} split has no images.")
    shape = self.event_shape
    files = [storage.join(self.index.root, e.path) for e in entries]
    classes = np.array([e.label for e in entries], np.int32)

    def load(path):
      image = preprocess.decode_file(path, shape[-1])
      if self.image_size:
        return preprocess.centre_crop_resize(image, self.image_size)
      return tf.cast(tf.ensure_shape(image, shape), tf.int32)

    ds = tf.data.Dataset.from_tensor_slices(
        inputs.pack(files, classes if labels else None))
    if training:
      ds = ds.shuffle(len(files), seed=seed)
    ds = ds.map(inputs.map_x(load), num_parallel_calls=tf.data.AUTOTUNE)
    # What a header cannot show (a corrupt middle): left out too.
    return ds.ignore_errors(log_warning=True) if self.skip_bad_images else ds


def check_pixels(images, where, num_levels=256):
  """`checks.pixel_array` (integer (N, H, W[, C]) pixels in [0,
  num_levels)), its refusal as `BadInput`; returns (N, H, W, C)."""
  try:
    return checks.pixel_array(images, where, num_levels)
  except ValueError as e:
    raise BadInput(str(e)) from None


def image_arrays(arrays, where):
  """{split or "images": array} of an .npz's arrays: `images`, the splits,
  or the only array whatever its name."""
  if "images" in arrays:
    return {"images": arrays["images"]}
  if "train" in arrays:
    missing = [k for k in ("validation", "test") if k not in arrays]
    if missing:
      raise BadInput(f"{where} has a 'train' array but no "
                     f"{' or '.join(map(repr, missing))}: store all three "
                     "splits, or one 'images' array.")
    return {k: arrays[k] for k in ("train", "validation", "test")}
  data = [k for k in arrays if k not in ("labels", "num_levels")]
  if len(data) == 1:
    return {"images": arrays[data[0]]}
  raise BadInput(f"{where} holds {sorted(arrays)}; name the images array "
                 "'images' (or 'train', 'validation', 'test'), or store it "
                 "alone.")


class NpzSource(Source):
  """`npz:PATH`; see the module docstring."""

  def __init__(self, path, image_size=None):
    self.name = f"npz:{path}"
    self.path = storage.expand(path)
    self.image_size = image_size

  def prepare(self, download=False):
    del download
    self._arrays  # pylint: disable=pointless-statement  (checks the file)

  @property
  def num_classes(self):
    labels = self._arrays.get("labels", self._arrays.get("train_labels"))
    return None if labels is None else int(labels.max()) + 1

  @functools.cached_property
  def _arrays(self):
    """The file's arrays, checked; `DataUnavailable` or `BadInput` says
    what is wrong."""
    if not storage.exists(self.path):
      raise DataUnavailable(f"{self.path} does not exist: --dataset=npz:PATH "
                            "wants an .npz file of integer image arrays.")
    try:
      arrays = storage.load_arrays(self.path)
    except (OSError, ValueError) as e:
      raise DataUnavailable(f"{self.path} is not a readable .npz file "
                            f"({e}).") from None
    levels = int(arrays.get("num_levels", 256))
    out = {k: check_pixels(v, f"{self.path} ({k})", levels)
           for k, v in image_arrays(arrays, self.path).items()}
    for key in [k for k in arrays if k.endswith("labels")]:
      labels = np.asarray(arrays[key])
      images = out.get(key[:-len("_labels")] if "_" in key else "images")
      if (not np.issubdtype(labels.dtype, np.integer) or labels.ndim != 1 or
          images is None or len(labels) != len(images) or
          (labels.size and labels.min() < 0)):
        raise BadInput(f"{self.path}: '{key}' must be one integer class >= "
                       f"0 per image; got {labels.dtype} {labels.shape}.")
      out[key] = labels.astype(np.int32)
    out["num_levels"] = levels
    return out

  def _split(self, split):
    """(images (N, H, W, C), labels (N,) or None) of `split`."""
    a = self._arrays
    if "images" in a:
      index = folder_index.split_indices(len(a["images"]), split)
      return a["images"][index], (a["labels"][index] if "labels" in a
                                  else None)
    return a[split], a.get(f"{split}_labels")

  @property
  def num_levels(self):
    return self._arrays["num_levels"]

  @property
  def event_shape(self):
    images = self._arrays.get("images", self._arrays.get("train"))
    if self.image_size:
      return (self.image_size, self.image_size, images.shape[-1])
    return tuple(images.shape[1:])

  def preprocess(self, image):
    return preprocess.at_size(self.image_size)(image, False)

  def examples(self, split, training=False, seed=0, labels=False):
    import tensorflow as tf
    images, classes = self._split(split)
    if labels:
      self.check_labels()
      if classes is None:
        raise ValueError(f"{self.path} has labels for the training split "
                         f"but no '{split}_labels' array.")
    ds = tf.data.Dataset.from_tensor_slices(
        inputs.pack(images, classes if labels else None))
    if training:  # the whole array: cheap here, and a better shuffle
      ds = ds.shuffle(len(images), seed=seed)
    return preprocess.apply(ds, preprocess.at_size(self.image_size), False,
                            seed)
