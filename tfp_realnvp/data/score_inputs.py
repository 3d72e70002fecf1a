"""What `--mode=score --input=PATH` reads: images to score, checked first.

`read_for_scoring(path, preprocess_fn, image_shape, num_levels)` takes a
folder of image files (searched recursively, through `folder_index`: other
and hidden files ignored, every header checked before any decoding, bad
files refused by name or left out with `skip_bad`; names are the paths
below the folder) or an .npy/.npz array file (`npz_source.image_arrays`,
`npz_source.check_pixels`; names are the indices). Images are converted to the
model's colour mode (its channels) and go through `preprocess_fn`, the data
set's evaluation preprocessing; an image that then does not fit the model
is refused by name before any scoring. `read_conditions` reads what a
model with conditions scores them given: the .npz's `conditions` array or
the folder's conditions.csv.
"""

import numpy as np

from tfp_realnvp import storage
from tfp_realnvp.data import npz_source
from tfp_realnvp.data import user_sources
from tfp_realnvp.data import conditions_csv
from tfp_realnvp.data import folder_index
from tfp_realnvp.data import preprocess
from tfp_realnvp.data.sources import BadInput
from tfp_realnvp.data.sources import DataUnavailable


def _folder(path, channels, skip_bad):
  index = folder_index.FolderIndex.build(path)
  if not index.entries:
    raise DataUnavailable(f"No images (.png, .jpg, .jpeg, .gif, .bmp) "
                          f"below {path}.")
  user_sources.check_files(index, skip_bad)
  entries = [e for e in index.entries if not e.header.problem]
  images = [preprocess.decode_file(storage.join(index.root, e.path), channels)
            for e in entries]
  return [e.path for e in entries], images


def _arrays(path, num_levels):
  try:
    arrays = storage.load_arrays(path)
  except (OSError, ValueError) as e:
    raise DataUnavailable(f"{path} is not a readable array file ({e})."
                          ) from None
  images = npz_source.image_arrays(arrays, path)
  if "images" not in images:
    raise BadInput(f"{path} holds splits ({', '.join(images)}); score one "
                   "array: store it as 'images'.")
  return npz_source.check_pixels(images["images"], path, num_levels)


def read_for_scoring(path, preprocess_fn, image_shape, num_levels,
                     skip_bad=False):
  """(names, int32 pixels (N,) + image_shape) of the images to score; see
  the module docstring."""
  import tensorflow as tf
  path = storage.expand(path)
  if storage.isdir(path):
    names, images = _folder(path, image_shape[-1], skip_bad)
  elif storage.exists(path) and path.endswith((".npy", ".npz")):
    images = _arrays(path, num_levels)
    names = [str(i) for i in range(len(images))]
  else:
    raise DataUnavailable(f"{path} is neither a folder of images nor an "
                          ".npy/.npz array file.")
  pixels = []
  for name, image in zip(names, images):
    image = tf.convert_to_tensor(image)
    p = preprocess_fn(image)
    if tuple(p.shape) != tuple(image_shape):
      raise BadInput(f"{name}: {tuple(p.shape)} after the data set's "
                     f"preprocessing; the model takes {tuple(image_shape)} "
                     "(resize the images, or train with --image_size).")
    pixels.append(p)
  pixels = np.stack([p.numpy() for p in pixels]).astype(np.int32)
  return names, npz_source.check_pixels(pixels, path, num_levels)


def read_conditions(path, names):
  """The conditions of the images `read_for_scoring` named: an .npz's
  `conditions` array (one row per image) or a folder's conditions.csv
  (`conditions_csv.py`), as float32 (N,) + shape; None if there are none."""
  path = storage.expand(path)
  if storage.isdir(path):
    return conditions_csv.read(path, names)
  arrays = storage.load_arrays(path)
  if "conditions" not in arrays:
    return None
  return npz_source.side_array(arrays["conditions"], "conditions",
                               np.empty(len(names)), path)
