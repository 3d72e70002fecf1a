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

import numpy as np

from tfp_realnvp import storage
from tfp_realnvp.data import preprocess
from tfp_realnvp.data.sources import BadInput
from tfp_realnvp.data.sources import DataUnavailable
from tfp_realnvp.data.sources import Source
from tfp_realnvp.models import inputs

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


def _listing(folder):
  """{folder: (subfolders, files)} below `folder`: one listing per folder."""
  return {root.rstrip("/"): (subfolders, names)
          for root, subfolders, names in storage.walk(folder)}


def _image_files(folder, listing):
  """(sorted files, labels or None) of the images below `folder`, local or
  remote, from `listing` (`_listing`)."""
  folder = folder.rstrip("/")
  if folder not in listing:
    return [], None
  subfolders, names = listing[folder]
  files = [storage.join(folder, n) for n in names
           if n.lower().endswith(IMAGE_EXTENSIONS)]
  labels = [-1] * len(files)
  for label, name in enumerate(subfolders):
    below = storage.join(folder, name)
    for root in sorted(r for r in listing
                       if r == below or r.startswith(below + "/")):
      for f in listing[root][1]:
        if f.lower().endswith(IMAGE_EXTENSIONS):
          files.append(storage.join(root, f))
          labels.append(label)
  has_labels = bool(subfolders) and -1 not in labels
  return files, (np.array(labels, np.int32) if has_labels else None)


class FolderSource(Source):
  """`folder:PATH`; see the module docstring."""

  def __init__(self, path, image_size=None):
    self.name = f"folder:{path}"
    self.path = storage.expand(path)
    self.image_size = image_size

  @functools.cached_property
  def _listing(self):
    """The folder's tree, listed once per source (`_listing`)."""
    return _listing(self.path) if storage.isdir(self.path) else {}

  @functools.cached_property
  def _split_dirs(self):
    subfolders = self._listing.get(self.path.rstrip("/"), ((), ()))[0]
    return {split: next((storage.join(self.path, n) for n in names
                         if n in subfolders), None)
            for split, names in SPLIT_NAMES.items()}

  @functools.lru_cache(maxsize=3)
  def _files(self, split):
    if self._split_dirs["train"]:
      return _image_files(self._split_dirs[split] or "", self._listing)
    files, labels = _image_files(self.path, self._listing)
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

  @property
  def num_classes(self):
    _, labels = self._files("train")
    return None if labels is None else int(labels.max()) + 1

  def _decode(self, path):
    import tensorflow as tf
    return tf.io.decode_image(tf.io.read_file(path), expand_animations=False,
                              dtype=tf.uint8)

  @functools.cached_property
  def event_shape(self):
    first = self._decode(self._files("train")[0][0]).shape
    if self.image_size:
      return (self.image_size, self.image_size, first[-1])
    return tuple(first)

  def preprocess(self, image):
    return preprocess.at_size(self.image_size)(image, False)

  def examples(self, split, training=False, seed=0, labels=False):
    import tensorflow as tf
    if labels:
      self.check_labels()
    files, classes = self._files(split)
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

    ds = tf.data.Dataset.from_tensor_slices(
        inputs.pack(files, classes if labels else None))
    if training:
      ds = ds.shuffle(len(files), seed=seed)
    return ds.map(inputs.map_x(load), num_parallel_calls=tf.data.AUTOTUNE)


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
    """The file's arrays, checked; `DataUnavailable` names what is wrong."""
    if not storage.exists(self.path):
      raise DataUnavailable(f"{self.path} does not exist: --dataset=npz:PATH "
                            "wants an .npz file of uint8 image arrays.")
    try:
      arrays = storage.load_arrays(self.path)
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
    """(images (N, H, W, C), labels (N,) or None) of `split`."""
    a = self._arrays
    if "images" in a:
      index = split_indices(len(a["images"]), split)
      images = a["images"][index]
      labels = a["labels"][index] if "labels" in a else None
    else:
      images, labels = a[split], a.get(f"{split}_labels")
    images = images[..., None] if images.ndim == 3 else images
    return images, None if labels is None else labels.astype(np.int32)

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


def read_for_scoring(path, preprocess_fn, image_shape, num_levels):
  """(names, int32 pixels (N,) + image_shape) of the images to score.

  `path`: a folder of image files (searched recursively; names are paths
  relative to it) or an .npy/.npz array file of uint8 or integer pixels
  (N, H, W[, C]) (an .npz's `images` array, else its only array; names are
  the indices). Each image goes through `preprocess_fn` (the data set's
  evaluation preprocessing); errors name what does not fit the model.
  """
  import tensorflow as tf
  path = storage.expand(path)
  if storage.isdir(path):
    found = sorted(storage.join(root, f) for root, _, names in
                   storage.walk(path) for f in names
                   if f.lower().endswith(IMAGE_EXTENSIONS))
    if not found:
      raise DataUnavailable(f"No images ({', '.join(IMAGE_EXTENSIONS)}) "
                            f"below {path}.")
    names = [f[len(storage.join(path, "")):] for f in found]
    images = [tf.io.decode_image(tf.io.read_file(f), expand_animations=False,
                                 dtype=tf.uint8) for f in found]
  elif storage.exists(path) and path.endswith((".npy", ".npz")):
    images = _score_array(path)
    names = [str(i) for i in range(len(images))]
  else:
    raise DataUnavailable(f"{path} is neither a folder of images nor an "
                          ".npy/.npz array file.")
  pixels = []
  for name, image in zip(names, images):
    image = tf.convert_to_tensor(image)
    if image.shape.rank == 2:
      image = image[..., tf.newaxis]
    p = preprocess_fn(image)
    if tuple(p.shape) != tuple(image_shape):
      raise BadInput(f"{name}: {tuple(p.shape)} after the data set's "
                       f"preprocessing; the model takes {tuple(image_shape)} "
                       "(resize the images, or train with --image_size).")
    pixels.append(p)
  pixels = np.stack([p.numpy() for p in pixels]).astype(np.int32)
  if pixels.min() < 0 or pixels.max() >= num_levels:
    raise BadInput(f"{path}: pixel values span [{pixels.min()}, "
                     f"{pixels.max()}]; the model takes integers in [0, "
                     f"{num_levels - 1}].")
  return names, pixels


def _score_array(path):
  try:
    arrays = storage.load_arrays(path)
  except (OSError, ValueError) as e:
    raise DataUnavailable(f"{path} is not a readable array file ({e})."
                          ) from None
  key = "images" if "images" in arrays else (
      next(iter(arrays)) if len(arrays) == 1 else None)
  if key is None:
    raise DataUnavailable(f"{path} holds {sorted(arrays)}; name the "
                          "array to score 'images'.")
  images = arrays[key]
  if not np.issubdtype(images.dtype, np.integer) or images.ndim not in (3, 4):
    raise BadInput(f"{path}: images must be integer pixels of shape "
                     f"(N, H, W) or (N, H, W, C); got {images.dtype} "
                     f"{images.shape}.")
  return images
