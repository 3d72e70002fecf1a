"""2-D toy densities for the vector model: two moons."""

import numpy as np
import tensorflow as tf

from tfp_realnvp.data.sources import Source

# split -> (number of points, seed).
MOONS_SPLITS = {"train": (8192, 0), "validation": (1024, 1), "test": (2048, 2)}


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


def moons_dataset(split):
  """tf.data of float32 two-moons points (2,) of a split (fixed seeds)."""
  n, seed = MOONS_SPLITS[split]
  return tf.data.Dataset.from_tensor_slices(two_moons(n, seed=seed))


class MoonsSource(Source):
  """Two moons as a job's data set (the vector model)."""

  name = "moons"
  preset = "moons"
  is_vector = True
  event_shape = (2,)

  def examples(self, split, training=False, seed=0, labels=False):
    del training, seed
    if labels:
      self.check_labels()
    return moons_dataset(split)
