"""Data sets and input pipelines.

    digits.py       the bundled 8x8 digits (17 levels) and their splits
    toys.py         2-D toy densities (two moons) for the vector model
    tfds_images.py  the paper's image data sets through TFDS, preprocessed
    pipeline.py     batching for Keras fit / evaluate / predict

`load(name, split, ...)` gives the examples of any of them: int32 pixels
(H, W, C), or float32 vectors for `VECTOR_DATASETS`.
"""

from tfp_realnvp.data import digits
from tfp_realnvp.data import tfds_images
from tfp_realnvp.data import toys
from tfp_realnvp.data.digits import load_digits
from tfp_realnvp.data.toys import two_moons

VECTOR_DATASETS = ("moons",)
DATASETS = ("digits",) + VECTOR_DATASETS + tuple(tfds_images.TFDS_DATASETS)

__all__ = ["DATASETS", "VECTOR_DATASETS", "load", "load_digits", "two_moons"]


def load(name, split, data_dir=None, training=False, seed=0):
  """tf.data of the examples of `split` ("train", "validation" or "test")
  of any data set in `DATASETS`. `training` turns on augmentation (random
  crops and flips where the paper uses them), drawn from `seed`."""
  if name == "digits":
    return digits.dataset(split)
  if name == "moons":
    return toys.moons_dataset(split)
  return tfds_images.load_tfds(name, split, data_dir, training, seed)
