"""LSUN scenes from the publisher's LMDB exports (the project's own reader).

TFDS's `lsun` builder needs `tensorflow-io`, which does not install beside
TensorFlow 2.21, so the job reads the publisher's files itself. LSUN ships
each scene as `<category>_train_lmdb.zip` and `<category>_val_lmdb.zip`;
unzipped, each is a folder (`bedroom_train_lmdb/`, with `data.mdb` and
`lock.mdb`) of an LMDB database whose values are JPEG images. Put the
unzipped folders in `<data_dir>/lsun/`.

Splits: the first 99% of the training database's entries (in key order) are
"train", the rest "validation"; the publisher's validation database is
"test" (the paper reports validation bits/dim). Preprocessing:
`preprocess.lsun`. Needs the `lmdb` package (`pip install tfp_realnvp[lsun]`).
"""

import functools

from tfp_realnvp import storage
from tfp_realnvp.data import preprocess
from tfp_realnvp.data.sources import DataUnavailable
from tfp_realnvp.data.sources import Source
from tfp_realnvp.data.tfds_images import default_data_dir

CATEGORIES = ("bedroom", "tower", "church_outdoor")
TRAIN_FRACTION = 0.99


def _lmdb():
  try:
    import lmdb  # pylint: disable=g-import-not-at-top
  except ImportError:
    raise DataUnavailable(
        "Reading LSUN needs the lmdb package: pip install 'tfp_realnvp[lsun]' "
        "(or pip install lmdb).") from None
  return lmdb


@functools.lru_cache(maxsize=None)
def _environment(path):
  """The read-only LMDB environment at `path`, opened once per process:
  LMDB refuses a second open of the same database, and the training and
  validation splits read the same one at the same time."""
  # local-only: LMDB maps local files; a bucket path needs a copy first.
  return _lmdb().open(path, readonly=True, lock=False, readahead=False,
                      max_readers=64)


def read_lmdb(path, start=0, stop=None):
  """Yields the values (JPEG bytes) of entries [start, stop) in key order;
  the entries before `start` are skipped by key, without reading their
  images (the validation part starts 99% into a 40 GB database)."""
  with _environment(path).begin() as txn:
    cursor = txn.cursor()
    for i, _ in enumerate(cursor.iternext(keys=True, values=False)):
      if stop is not None and i >= stop:
        break
      if i >= start:
        yield cursor.value()


def num_entries(path):
  return _environment(path).stat()["entries"]


class LSUNSource(Source):
  """An LSUN scene category; see the module docstring."""

  preset = "lsun"

  def __init__(self, category, data_dir=None):
    if category not in CATEGORIES:
      raise ValueError(f"Unknown LSUN category {category!r}; choose one of "
                       f"{', '.join(CATEGORIES)}.")
    self.name = f"lsun_{category}"
    self.category = category
    self.folder = storage.join(default_data_dir(data_dir), "lsun")

  @property
  def event_shape(self):
    return (preprocess.LSUN_CROP, preprocess.LSUN_CROP, 3)

  def _path(self, which):
    return storage.join(self.folder, f"{self.category}_{which}_lmdb")

  def prepare(self, download=False):
    del download  # the publisher gives no public address to fetch from
    if storage.is_remote(self.folder):
      raise DataUnavailable(
          f"LSUN's LMDB folders must be on a local disk (LMDB maps its files "
          f"into memory); {self.folder} is not: copy lsun/ to a local "
          "--data_dir.")
    missing = [self._path(w) for w in ("train", "val")
               if not storage.exists(storage.join(self._path(w), "data.mdb"))]
    if missing:
      zips = [storage.basename(p) + ".zip" for p in missing]
      raise DataUnavailable(
          f"No {self.name} data: {', '.join(missing)} not found "
          f"(an LMDB folder with data.mdb).\nDownload {', '.join(zips)} from "
          "the LSUN project (lsun's download.py -c "
          f"{self.category}), unzip them into {self.folder}, and run the "
          "same command again (or point --data_dir at the folder holding "
          "lsun/).")
    _lmdb()

  def preprocess(self, image):
    return preprocess.lsun(image, False)

  def examples(self, split, training=False, seed=0, labels=False):
    import tensorflow as tf
    if labels:
      self.check_labels()
    if split == "test":
      path, start, stop = self._path("val"), 0, None
    else:
      path = self._path("train")
      cut = int(num_entries(path) * TRAIN_FRACTION)
      start, stop = (0, cut) if split == "train" else (cut, None)
    jpegs = tf.data.Dataset.from_generator(
        lambda: read_lmdb(path, start, stop),
        output_signature=tf.TensorSpec([], tf.string))
    images = jpegs.map(lambda b: tf.io.decode_jpeg(b, channels=3),
                       num_parallel_calls=tf.data.AUTOTUNE)
    return preprocess.apply(images, preprocess.lsun, training, seed)
