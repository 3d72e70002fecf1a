"""The paper's image data sets through TensorFlow Datasets, prepared as the paper does."""

import tensorflow as tf

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
    raise ValueError(f"Unknown TFDS dataset {name!r}; choose one of "
                     f"{', '.join(TFDS_DATASETS)}.")
  tfds_name, *splits = TFDS_DATASETS[name]
  tfds_split = dict(zip(("train", "validation", "test"), splits))[split]
  ds = tfds.load(tfds_name, split=tfds_split, data_dir=data_dir,
                 shuffle_files=training)
  ds = ds.enumerate().map(
      lambda i, ex: preprocess(name, ex["image"], training,
                               seed=tf.stack([tf.cast(seed, tf.int64), i])),
      num_parallel_calls=tf.data.AUTOTUNE)
  return ds
