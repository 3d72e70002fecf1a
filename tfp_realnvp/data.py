"""Data sets: the bundled 8x8 digits, TFDS image data sets, and 2-D toys.

The digits convention, used everywhere in this project: permute the 1797
images with `numpy.random.RandomState(0)`; the first 1293 are the training
split, the next 144 validation, the last 360 test. Pixels are integers 0..16
(17 levels).
"""

import os

import numpy as np
import tensorflow as tf

DIGITS_PATH = os.path.join(os.path.dirname(__file__), "data", "digits.npz")
DIGITS_LEVELS = 17
DIGITS_SPLITS = {"train": (0, 1293), "validation": (1293, 1437),
                 "test": (1437, 1797)}


def load_digits(split):
  """(images int32 (N, 8, 8, 1) in 0..16, labels int32 (N,)) of a split."""
  if split not in DIGITS_SPLITS:
    raise ValueError(f"Unknown digits split {split!r}; choose one of "
                     f"{sorted(DIGITS_SPLITS)}.")
  with np.load(DIGITS_PATH) as f:
    images, labels = f["images"], f["labels"]
  order = np.random.RandomState(0).permutation(len(images))
  start, stop = DIGITS_SPLITS[split]
  index = order[start:stop]
  return images[index].astype(np.int32), labels[index].astype(np.int32)


def two_moons(n, noise=0.05, seed=0):
  """n points of the two-moons density (as scikit-learn's make_moons), float32 (n, 2)."""
  rng = np.random.RandomState(seed)
  n_outer = n // 2
  n_inner = n - n_outer
  t_outer = rng.uniform(0, np.pi, n_outer)
  t_inner = rng.uniform(0, np.pi, n_inner)
  outer = np.stack([np.cos(t_outer), np.sin(t_outer)], 1)
  inner = np.stack([1 - np.cos(t_inner), 0.5 - np.sin(t_inner)], 1)
  points = np.concatenate([outer, inner]) + rng.normal(scale=noise,
                                                       size=(n, 2))
  return points[rng.permutation(n)].astype(np.float32)


# -- TFDS image data sets ------------------------------------------------------
#
# name -> (TFDS name, train split, validation split, test split). Validation
# splits are carved from the training data where TFDS has none; the paper
# reports test bits/dim for CIFAR-10 and validation bits/dim for the others,
# which is the "test" split here.
TFDS_DATASETS = {
    "cifar10": ("cifar10", "train[:95%]", "train[95%:]", "test"),
    "imagenet32": ("downsampled_imagenet/32x32", "train[:99%]", "train[99%:]",
                   "validation"),
    "imagenet64": ("downsampled_imagenet/64x64", "train[:99%]", "train[99%:]",
                   "validation"),
    "celeba": ("celeb_a", "train", "validation", "test"),
    "lsun_bedroom": ("lsun/bedroom", "train[:99%]", "train[99%:]",
                     "validation"),
    "lsun_tower": ("lsun/tower", "train[:99%]", "train[99%:]", "validation"),
    "lsun_church_outdoor": ("lsun/church_outdoor", "train[:99%]",
                            "train[99%:]", "validation"),
    "mnist": ("mnist", "train[:55000]", "train[55000:]", "test"),
}
FLIP_DATASETS = ("celeba", "lsun_bedroom", "lsun_tower", "lsun_church_outdoor")
# Vector data sets: split -> (number of points, seed).
MOONS_SPLITS = {"train": (8192, 0), "validation": (1024, 1), "test": (2048, 2)}
VECTOR_DATASETS = ("moons",)
DATASETS = ("digits",) + VECTOR_DATASETS + tuple(TFDS_DATASETS)


def preprocess(name, image, training, seed=None):
  """uint8 image -> int32 pixels as the paper prepares them.

  * celeba: crop [40:188, 15:163] (148 x 148), bilinear resize to 64 x 64,
    rounded back to integers (the reference adds its noise to the
    non-integer resized values; rounding keeps bits/dim a discrete measure);
  * lsun_*: resize the shorter side to 64 (bilinear), then a 64 x 64 crop,
    random while training and central otherwise (the reference crops at
    random in evaluation too, which makes it non-deterministic);
  * celeba and lsun_*: random horizontal flips while training only;
  * others: as stored.
  """
  image = tf.convert_to_tensor(image)
  if name == "celeba":
    image = image[40:188, 15:163]
    image = tf.image.resize(tf.cast(image, tf.float32), [64, 64],
                            method="bilinear")
    image = tf.clip_by_value(tf.round(image), 0., 255.)
  elif name.startswith("lsun"):
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    scale = 64. / tf.reduce_min(shape)
    size = tf.cast(tf.math.ceil(shape * scale), tf.int32)
    image = tf.image.resize(tf.cast(image, tf.float32), size,
                            method="bilinear")
    image = tf.clip_by_value(tf.round(image), 0., 255.)
    if training:
      image = tf.image.stateless_random_crop(image, [64, 64, 3], seed=seed)
    else:
      top = (size[0] - 64) // 2
      left = (size[1] - 64) // 2
      image = image[top:top + 64, left:left + 64]
  if training and name in FLIP_DATASETS:
    image = tf.image.stateless_random_flip_left_right(image, seed=seed)
  return tf.cast(image, tf.int32)


def load_tfds(name, split, data_dir=None, training=False, seed=0):
  """tf.data of int32 pixels (H, W, C) of `split` in {train, validation, test}."""
  import tensorflow_datasets as tfds  # heavy import, only where used
  if name not in TFDS_DATASETS:
    raise ValueError(f"Unknown dataset {name!r}; choose one of "
                     f"{', '.join(DATASETS)}.")
  tfds_name, *splits = TFDS_DATASETS[name]
  tfds_split = dict(zip(("train", "validation", "test"), splits))[split]
  ds = tfds.load(tfds_name, split=tfds_split, data_dir=data_dir,
                 shuffle_files=training)
  ds = ds.enumerate().map(
      lambda i, ex: preprocess(name, ex["image"], training,
                               seed=tf.stack([tf.cast(seed, tf.int64), i])),
      num_parallel_calls=tf.data.AUTOTUNE)
  return ds


def digits_dataset(split):
  """tf.data of int32 pixels of a digits split (same interface as load_tfds)."""
  images, _ = load_digits(split)
  return tf.data.Dataset.from_tensor_slices(images)


def moons_dataset(split):
  """tf.data of float32 two-moons points (2,) of a split (fixed seeds)."""
  n, seed = MOONS_SPLITS[split]
  return tf.data.Dataset.from_tensor_slices(two_moons(n, seed=seed))


def load(name, split, data_dir=None, training=False, seed=0):
  """Examples of any supported data set (see `DATASETS`): int32 pixels, or
  float32 vectors for `VECTOR_DATASETS`."""
  if name == "digits":
    return digits_dataset(split)
  if name == "moons":
    return moons_dataset(split)
  return load_tfds(name, split, data_dir, training, seed)
