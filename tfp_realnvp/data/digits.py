"""The bundled 8x8 digits (`digits.npz`, see README.md in this folder).

The convention used everywhere in this project: permute the 1797 images
with `numpy.random.RandomState(0)`; the first 1293 are the training split,
the next 144 validation, the last 360 test. Pixels are integers 0..16
(17 levels).
"""

import os

import numpy as np
import tensorflow as tf

from tfp_realnvp.data.sources import Source
from tfp_realnvp.models import inputs

PATH = os.path.join(os.path.dirname(__file__), "digits.npz")
LEVELS = 17
SPLITS = {"train": (0, 1293), "validation": (1293, 1437),
          "test": (1437, 1797)}


def load_digits(split):
  """(images int32 (N, 8, 8, 1) in 0..16, labels int32 (N,)) of a split."""
  if split not in SPLITS:
    raise ValueError(f"Unknown digits split {split!r}; choose one of "
                     f"{sorted(SPLITS)}.")
  with np.load(PATH) as f:  # local-only: package data inside the install
    images, labels = f["images"], f["labels"]
  order = np.random.RandomState(0).permutation(len(images))
  start, stop = SPLITS[split]
  index = order[start:stop]
  return images[index].astype(np.int32), labels[index].astype(np.int32)


def dataset(split, labels=False):
  """tf.data of int32 pixels (8, 8, 1) of a split; with `labels`, the
  labelled examples (`models.inputs`)."""
  images, classes = load_digits(split)
  return tf.data.Dataset.from_tensor_slices(
      inputs.pack(images, classes if labels else None))


class DigitsSource(Source):
  """The bundled digits as a job's data set."""

  name = "digits"
  preset = "digits"
  cache_in_memory = True
  num_classes = 10
  event_shape = (8, 8, 1)
  num_levels = LEVELS

  def examples(self, split, training=False, seed=0, labels=False):
    del training, seed  # no augmentation; the job shuffles
    return dataset(split, labels)
