"""The user's own images as a folder of image files (`folder:PATH`).

`folder:PATH`: every PNG, JPEG, GIF or BMP file below PATH (other and
hidden files are ignored); labels and splits from the folder layout
(`folder_index.py`). Every file's header is checked before the first image
is decoded: bad files (truncated, not an image, a kind TensorFlow cannot
decode) are refused by name, or left out with `skip_bad_images`; images of
different sizes are refused unless `image_size` is given. Every image is
converted to one colour mode (`preprocess.to_channels`): `color_mode`, or
by default "rgb" if any image has colour, else "grayscale".

A `conditions.csv` in the folder (`conditions_csv.py`) gives each image a
float condition, which `--conditional` then conditions on instead of the
labels. `npz:PATH` is `npz_source.py`'s.

`image_size` S centre-crops to a square and resizes (antialiased) to
S x S.
"""

import functools

import numpy as np

from tfp_realnvp import storage
from tfp_realnvp.data import conditions_csv
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
  def _conditions(self):
    """{image path: condition row} from the folder's conditions.csv, or
    None (`conditions_csv.py`), checked once."""
    paths = [e.path for e in self.index.entries if not e.header.problem]
    values = conditions_csv.read(self.index.root, paths)
    return None if values is None else dict(zip(paths, values))

  @property
  def condition_shape(self):
    return None if self._conditions is None else (
        len(next(iter(self._conditions.values()))),)

  def figure_conditions(self, n):
    if self._conditions is None:
      return None
    return np.stack([self._conditions[e.path]
                     for e in self.index.split("test")[:n]])

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
    conditions = labels and self.condition_shape is not None
    if labels and not conditions:
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

    rows = (np.stack([self._conditions[e.path] for e in entries])
            if conditions else None)
    ds = tf.data.Dataset.from_tensor_slices(inputs.pack(
        files, classes if labels and not conditions else None, rows))
    if training:
      ds = ds.shuffle(len(files), seed=seed)
    ds = ds.map(inputs.map_x(load), num_parallel_calls=tf.data.AUTOTUNE)
    # What a header cannot show (a corrupt middle): left out too.
    return ds.ignore_errors(log_warning=True) if self.skip_bad_images else ds
