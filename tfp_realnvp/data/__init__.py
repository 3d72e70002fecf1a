"""Data sets and input pipelines.

    sources.py      Source: what a data set gives the job; DataUnavailable
    digits.py       the bundled 8x8 digits (17 levels) and their splits
    toys.py         2-D toy densities (two moons) for the vector model
    tfds_images.py  the paper's image data sets (and any other) through TFDS
    lsun.py         LSUN scenes from the publisher's LMDB exports
    user_sources.py the user's own image files: folder:PATH
    npz_source.py   the user's own pixel arrays (and conditions): npz:PATH
    folder_index.py an image folder listed once, every header checked once
    image_headers.py  what an image file's first and last bytes say
    score_inputs.py what --mode=score reads, checked first
    preprocess.py   the paper's preprocessing, seeded augmentation
    pipeline.py     batching for Keras fit / evaluate / predict

`get_source(name)` gives the `Source` of a `--dataset` name (`DATASETS`, or
`folder:PATH`, `npz:PATH`, `tfds:NAME[/CONFIG]`).
"""

from tfp_realnvp.data import digits
from tfp_realnvp.data import lsun
from tfp_realnvp.data import tfds_images
from tfp_realnvp.data import toys
from tfp_realnvp.data.digits import load_digits
from tfp_realnvp.data.user_sources import FolderSource
from tfp_realnvp.data.npz_source import NpzSource
from tfp_realnvp.data.sources import BadInput
from tfp_realnvp.data.sources import DataUnavailable
from tfp_realnvp.data.sources import Source
from tfp_realnvp.data.toys import two_moons

DATASETS = (("digits", "moons") + tuple(tfds_images.PAPER) +
            tuple(f"lsun_{c}" for c in lsun.CATEGORIES))
PREFIXES = ("folder:", "npz:", "tfds:")

__all__ = ["BadInput", "DATASETS", "DataUnavailable", "Source", "check_name",
           "get_source", "load_digits", "two_moons"]


def check_name(name):
  """The error message for a `--dataset` value that names no data set, or None."""
  if name in DATASETS or (name.startswith(PREFIXES) and
                          name.split(":", 1)[1]):
    return None
  return (f"Unknown dataset {name!r}; choose one of {', '.join(DATASETS)}, "
          "or folder:PATH, npz:PATH, tfds:NAME[/CONFIG].")


def get_source(name, data_dir=None, image_size=None, color_mode=None,
               skip_bad_images=False, index_dir=None):
  """The `Source` of a `--dataset` name; `data_dir` is TFDS's (and LSUN's);
  `color_mode`, `skip_bad_images` and `index_dir` (where a read-only
  folder's index is cached) are `folder:`'s (`user_sources.FolderSource`)."""
  error = check_name(name)
  if error:
    raise ValueError(error)
  if name == "digits":
    return digits.DigitsSource()
  if name == "moons":
    return toys.MoonsSource()
  if name in tfds_images.PAPER:
    paper = tfds_images.PAPER[name]
    return tfds_images.TFDSSource(name, paper.tfds_name, data_dir, paper)
  if name.startswith("lsun_"):
    return lsun.LSUNSource(name[len("lsun_"):], data_dir)
  kind, path = name.split(":", 1)
  if kind == "folder":
    return FolderSource(path, image_size, color_mode, skip_bad_images,
                        index_dir)
  if kind == "npz":
    return NpzSource(path, image_size)
  return tfds_images.TFDSSource(name, path, data_dir, image_size=image_size)
