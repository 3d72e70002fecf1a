"""Data sets: the bundled 8x8 digits, TFDS image data sets, and 2-D toys.

The digits convention, used everywhere in this project: permute the 1797
images with `numpy.random.RandomState(0)`; the first 1293 are the training
split, the next 144 validation, the last 360 test. Pixels are integers 0..16
(17 levels).
"""

import os

import numpy as np

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
