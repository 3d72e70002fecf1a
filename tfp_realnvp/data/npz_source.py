"""The user's own images as an .npz of pixel arrays (`npz:PATH`).

Integer pixels `images` (N, H, W[, C]) (or the file's only
array, whatever its name: `np.savez(path, x)` names it `arr_0`), optionally
`labels` (N,); or `train`, `validation`, `test` arrays (and
`train_labels`...). 256 levels unless the file holds `num_levels` (e.g. 17
for pixels 0..16); every array is checked (integer dtype, rank, values in
[0, num_levels)) before any work.

A float `conditions` array (N, K) or (N, H', W', C') beside `images` (or
`train_conditions`, ...) is what `--conditional` conditions on: p(x |
conditions), instead of the labels.

`image_size` S centre-crops to a square and resizes (antialiased) to
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
  data = [k for k in arrays if k not in ("labels", "conditions",
                                         "num_levels")]
  if len(data) == 1:
    return {"images": arrays[data[0]]}
  raise BadInput(f"{where} holds {sorted(arrays)}; name the images array "
                 "'images' (or 'train', 'validation', 'test'), or store it "
                 "alone.")


def side_array(values, key, images, path):
  """An .npz's `labels` (one integer class >= 0 per image) or `conditions`
  (one finite float row per image), checked against its images."""
  values = np.asarray(values)
  if key.endswith("labels"):
    if (not np.issubdtype(values.dtype, np.integer) or values.ndim != 1 or
        images is None or len(values) != len(images) or
        (values.size and values.min() < 0)):
      raise BadInput(f"{path}: '{key}' must be one integer class >= 0 per "
                     f"image; got {values.dtype} {values.shape}.")
    return values.astype(np.int32)
  if (not (np.issubdtype(values.dtype, np.number) or values.dtype == bool)
      or values.ndim not in (2, 4) or images is None or
      len(values) != len(images) or
      not np.all(np.isfinite(values.astype(np.float64)))):
    raise BadInput(f"{path}: '{key}' must be one finite float condition per "
                   "image, (N, K) or (N, H', W', C'); got "
                   f"{values.dtype} {values.shape}.")
  return values.astype(np.float32)


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
  def condition_shape(self):
    conditions = self._arrays.get("conditions",
                                  self._arrays.get("train_conditions"))
    return None if conditions is None else tuple(conditions.shape[1:])

  def figure_conditions(self, n):
    """The test split's first `n` conditions (for sample figures)."""
    return self._split("test")[2][:n] if self.condition_shape else None

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
    for key in [k for k in arrays if k.endswith(("labels", "conditions"))]:
      images = out.get(key.rsplit("_", 1)[0] if "_" in key else "images")
      out[key] = side_array(arrays[key], key, images, self.path)
    shapes = {v.shape[1:] for k, v in out.items() if k.endswith("conditions")}
    if len(shapes) > 1:
      raise BadInput(f"{self.path}: the splits' conditions differ in shape "
                     f"({sorted(shapes)}).")
    out["num_levels"] = levels
    return out

  def _split(self, split):
    """(images (N, H, W, C), labels (N,) or None, conditions or None) of
    `split`."""
    a = self._arrays
    if "images" in a:
      index = folder_index.split_indices(len(a["images"]), split)
      return (a["images"][index],
              *(a[k][index] if k in a else None
                for k in ("labels", "conditions")))
    return a[split], a.get(f"{split}_labels"), a.get(f"{split}_conditions")

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
    """See `Source.examples`; with `labels`, the file's conditions if it
    has them (p(x | conditions)), else its labels."""
    import tensorflow as tf
    images, classes, conditions = self._split(split)
    if labels and self.condition_shape:
      classes = None
      if conditions is None:
        raise ValueError(f"{self.path} has conditions for the training split "
                         f"but no '{split}_conditions' array.")
    elif labels:
      self.check_labels()
      conditions = None
      if classes is None:
        raise ValueError(f"{self.path} has labels for the training split "
                         f"but no '{split}_labels' array.")
    else:
      classes = conditions = None
    ds = tf.data.Dataset.from_tensor_slices(
        inputs.pack(images, classes, conditions))
    if training:  # the whole array: cheap here, and a better shuffle
      ds = ds.shuffle(len(images), seed=seed)
    return preprocess.apply(ds, preprocess.at_size(self.image_size), False,
                            seed)
