"""Image data sets through TensorFlow Datasets: the paper's and any other.

Where the data come from, in this order:

1. prepared TFDS data in `data_dir` (`--data_dir`, else $TFDS_DATA_DIR,
   else ~/tensorflow_datasets): read as they are;
2. the publisher's files in `data_dir/downloads/manual/`: TFDS prepares
   them (checking their registered checksums), no network;
3. with `--download`: TFDS downloads and prepares them;
4. otherwise `DataUnavailable`, naming the folder looked in, the files to
   place there and how to prepare them on a connected machine. The job never
   downloads unasked: the paper's data sets are 170 MB to 45 GB, and a
   machine without a network should fail in seconds, not retry.

Splits: the paper reports test bits/dim for CIFAR-10 and validation bits/dim
for the others, which is the "test" split here; a validation split is carved
from the training data where TFDS has none.

Conditions: a data set with an `attributes` feature (CelebA's 40 binary
attributes) gives them to `--conditional` as a float 0/1 vector
(`attribute_names` order), which then trains p(x | attributes).
"""

import dataclasses
import functools
import os

from tfp_realnvp import storage
from tfp_realnvp.data import preprocess
from tfp_realnvp.data.sources import DataUnavailable
from tfp_realnvp.data.sources import Source
from tfp_realnvp.models import inputs


@dataclasses.dataclass(frozen=True)
class PaperDataset:
  """How one of the paper's data sets is read from TFDS."""
  tfds_name: str
  splits: tuple            # TFDS splits of (train, validation, test)
  publisher_files: tuple   # what TFDS reads from downloads/manual/
  preset: str
  preprocess: object = preprocess.as_pixels


PAPER = {
    "cifar10": PaperDataset(
        "cifar10", ("train[:95%]", "train[95%:]", "test"),
        ("cifar-10-binary.tar.gz",), "cifar10"),
    "imagenet32": PaperDataset(
        "downsampled_imagenet/32x32",
        ("train[:99%]", "train[99%:]", "validation"),
        ("train_32x32.tar", "valid_32x32.tar"), "imagenet32"),
    "imagenet64": PaperDataset(
        "downsampled_imagenet/64x64",
        ("train[:99%]", "train[99%:]", "validation"),
        ("train_64x64.tar", "valid_64x64.tar"), "imagenet64"),
    "celeba": PaperDataset(
        "celeb_a", ("train", "validation", "test"),
        ("img_align_celeba.zip", "list_eval_partition.txt",
         "list_attr_celeba.txt", "list_landmarks_align_celeba.txt",
         "identity_CelebA.txt"), "celeba", preprocess.celeba),
    "mnist": PaperDataset(
        "mnist", ("train[:55000]", "train[55000:]", "test"),
        ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"), "mnist"),
}


def default_data_dir(data_dir=None):
  return storage.expand(data_dir or os.environ.get("TFDS_DATA_DIR") or
                        "~/tensorflow_datasets")


class TFDSSource(Source):
  """A TFDS image data set; see the module docstring.

  Args:
    name: the `--dataset` name.
    tfds_name: TFDS name, with its config ("downsampled_imagenet/32x32").
    data_dir: the TFDS data directory.
    paper: the `PaperDataset`, or None for any other TFDS data set (then
      `image_size` resizes, and the splits follow TFDS's).
  """

  def __init__(self, name, tfds_name, data_dir=None, paper=None,
               image_size=None):
    self.name = name
    self.tfds_name = tfds_name
    self.data_dir = default_data_dir(data_dir)
    self.paper = paper
    self.image_size = image_size
    self.preset = paper.preset if paper else None

  @functools.cached_property
  def builder(self):
    import tensorflow_datasets as tfds  # heavy: only where used
    return tfds.builder(self.tfds_name, data_dir=self.data_dir)

  @property
  def manual_dir(self):
    return storage.join(self.data_dir, "downloads", "manual")

  def prepare(self, download=False):
    import tensorflow_datasets as tfds
    builder = self.builder
    if builder.is_prepared():
      return
    files = self.paper.publisher_files if self.paper else ()
    have = files and all(storage.exists(storage.join(self.manual_dir, f))
                         for f in files)
    if not (have or download):
      raise DataUnavailable(self._missing_message(builder, files))
    print(f"Preparing {self.tfds_name} in {self.data_dir} "
          f"({'from ' + self.manual_dir if have else 'downloading'}) ...",
          flush=True)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        manual_dir=self.manual_dir))

  def _missing_message(self, builder, files):
    lines = [
        f"No {self.name} data: TFDS '{self.tfds_name}' is not prepared in "
        f"{self.data_dir} (looked for {builder.data_dir}).",
        "Provide it in one of these ways, then run the same command again:",
        f"  - on a machine with internet, add --download (or run "
        f"tfds.builder('{self.tfds_name}', data_dir=DIR).download_and_prepare()"
        f") and copy DIR/{self.tfds_name.split('/')[0]} into {self.data_dir};"]
    if files:
      lines.append(f"  - place the publisher's files in {self.manual_dir}: "
                   f"{', '.join(files)};")
    lines.append("  - or point --data_dir at a folder that holds the prepared "
                 "data.")
    return "\n".join(lines)

  def _info_splits(self):
    return self.builder.info.splits

  def _splits(self):
    if self.paper:
      return self.paper.splits
    splits = self._info_splits()
    validation = next((s for s in ("validation", "valid", "val")
                       if s in splits), None)
    train = "train" if validation else "train[:95%]"
    validation = validation or "train[95%:]"
    test = "test" if "test" in splits else validation
    return train, validation, test

  @property
  def event_shape(self):
    if self.paper:
      from tfp_realnvp.models import presets
      return presets.PRESETS[self.paper.preset]["image_shape"]
    shape = self.builder.info.features["image"].shape
    if self.image_size:
      return (self.image_size, self.image_size, shape[-1])
    if None in shape:
      raise ValueError(f"{self.tfds_name} has images of varying size "
                       f"{shape}: pass --image_size.")
    return tuple(shape)

  @property
  def num_classes(self):
    features = self.builder.info.features
    if "label" not in features:
      return None
    return getattr(features["label"], "num_classes", None)

  @property
  def attribute_names(self):
    """The names of a TFDS data set's `attributes` feature (CelebA's 40, in
    TFDS's order: list_attr_celeba.txt's header), or None."""
    features = self.builder.info.features
    if "attributes" not in features:
      return None
    return tuple(features["attributes"].keys())

  @property
  def condition_shape(self):
    """(number of attributes,): `--conditional` conditions on them."""
    names = self.attribute_names
    return None if names is None else (len(names),)

  def _condition(self, example):
    """The example's attributes as a float 0/1 vector, in `attribute_names`
    order."""
    import tensorflow as tf
    return tf.cast(tf.stack([example["attributes"][k]
                             for k in self.attribute_names]), tf.float32)

  def figure_conditions(self, n):
    if self.condition_shape is None:
      return None
    import tensorflow as tf
    split = dict(zip(("train", "validation", "test"), self._splits()))["test"]
    rows = self.builder.as_dataset(split=split).take(n).map(self._condition)
    return tf.stack(list(rows)).numpy()

  def _preprocess_fn(self):
    return (self.paper.preprocess if self.paper else
            preprocess.at_size(self.image_size))

  def preprocess(self, image):
    return self._preprocess_fn()(image, False)

  def examples(self, split, training=False, seed=0, labels=False):
    import tensorflow_datasets as tfds
    conditions = labels and self.condition_shape is not None
    if labels and not conditions:
      self.check_labels()
    tfds_split = dict(zip(("train", "validation", "test"),
                          self._splits()))[split]
    # TFDS's split info counts the examples of a split (or sub-split
    # spec such as "train[90%:]") without reading it.
    if self.builder.info.splits[tfds_split].num_examples == 0:
      raise DataUnavailable(f"{self.name}: its {split} split ({tfds_split} "
                            f"of {self.tfds_name}) holds no examples.")
    # The file order of a training epoch is a function of `seed` (the job
    # passes each epoch's own: `batches.training_epoch`).
    ds = self.builder.as_dataset(
        split=tfds_split, shuffle_files=training,
        read_config=tfds.ReadConfig(shuffle_seed=int(seed)))
    # TFDS's feature names -> the examples a model takes (`models.inputs`).
    images = ds.map(lambda ex: inputs.pack(
        ex["image"], ex["label"] if labels and not conditions else None,
        self._condition(ex) if conditions else None))
    return preprocess.apply(images, self._preprocess_fn(), training, seed)
