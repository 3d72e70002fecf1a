"""What the job trains on: a `Source` per data set (`data.get_source(name)`).

    digits                  the bundled 8x8 digits (17 levels)
    moons                   a 2-D toy density (the vector model)
    cifar10 imagenet32 imagenet64 celeba mnist   the paper's, through TFDS
    lsun_bedroom lsun_tower lsun_church_outdoor  the paper's, LMDB exports
    folder:PATH             image files (class subfolders give labels)
    npz:PATH                uint8 arrays
    tfds:NAME[/CONFIG]      any TFDS image data set

A source says what the model must fit (`event_shape`, `num_levels`, the
paper's `preset` if any), makes its data ready or says precisely what is
missing (`prepare`, raising `DataUnavailable` before anything is written),
and gives the int32 pixels of a split (`examples`): "train", "validation"
or "test"; with `labels=True`, labelled examples {"x": pixels, "label":
int32} for class-conditional models. `preprocess` turns one image from
elsewhere into the pixels the model sees (what `--mode=score` scores).
"""

import abc

from tfp_realnvp.data import preprocess as preprocess_lib

__all__ = ["BadInput", "DataUnavailable", "Source"]


class DataUnavailable(RuntimeError):
  """The data are not where the job looked; the message says how to provide them."""


class BadInput(ValueError):
  """Data the model cannot take (shape, pixel values, labels); the message
  says what is wrong and what to do."""


class Source(abc.ABC):
  """A data set as the job reads it; see the module docstring."""

  name = None
  is_vector = False
  preset = None          # the paper's architecture preset, if any
  num_classes = None
  # (K,) or (H', W', C') of the float conditions the data hold, if any
  # (`--conditional` then conditions on them instead of labels).
  condition_shape = None
  # Keep the decoded examples in memory between epochs: only for small
  # data (a decoded ImageNet 64x64 validation split alone takes 2.4 GB).
  cache_in_memory = False

  @property
  @abc.abstractmethod
  def event_shape(self):
    """(H, W, C) of the preprocessed pixels; (D,) for vectors."""

  @property
  def num_levels(self):
    return 256

  def prepare(self, download=False):
    """Makes the data ready to read, or raises `DataUnavailable`."""
    del download

  @abc.abstractmethod
  def examples(self, split, training=False, seed=0, labels=False):
    """tf.data of int32 pixels (H, W, C) of `split`; `training` turns on the
    augmentation, drawn from `seed` and different in every epoch; with
    `labels`, {"x": pixels, "label": int32 class} (`check_labels` first),
    or for data with conditions {"x": pixels, "condition": float row}."""

  def figure_conditions(self, n):
    """Up to `n` conditions to draw sample figures at (None: no conditions)."""
    del n

  def check_labels(self):
    """Raises ValueError unless the data have class labels."""
    if self.num_classes is None:
      raise ValueError(
          f"--conditional needs class labels and {self.name} has none "
          "(labelled data: digits, mnist, cifar10, folder: with one "
          "subfolder per class, npz: with a 'labels' or 'conditions' "
          "array).")

  def preprocess(self, image):
    """One uint8 image (H, W, C) -> the int32 pixels the model sees in
    evaluation (the data set's own preprocessing)."""
    return preprocess_lib.as_pixels(image, False)
