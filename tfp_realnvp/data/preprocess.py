"""Images -> integer pixels as the paper prepares them, and random augmentation.

Every function takes one uint8 image (H, W, C) and returns int32 pixels;
the random ones take a `seed`, an int64 pair from `with_seeds`.

* `celeba`: crop [40:188, 15:163] (148 x 148), bilinear resize to 64 x 64,
  rounded back to integers (the reference adds its noise to the non-integer
  resized values; rounding keeps bits/dim a discrete measure); a random
  horizontal flip in training.
* `lsun`: the shorter side resized to 96, antialiased (the reference's
  `lsun_formatting.py` does it once, with `pyramid_reduce`), rounded; then a
  random 64 x 64 crop and flip in training, the central crop in evaluation
  (the reference crops at random in evaluation too, which makes its score
  non-deterministic).
* `centre_crop_resize`: user data at `--image_size`: the largest central
  square, antialiased resize to the size, rounded.
* `to_channels`: user images to one colour mode (`COLOR_MODES`), as Keras'
  `image_dataset_from_directory` reads them: gray repeated to RGB, alpha
  dropped (RGBA -> RGB) or opaque (255) where it is added, and RGB to gray
  by the ITU-R 601-2 luma, round(0.299 R + 0.587 G + 0.114 B) (PIL's "L").
  `decode_file(path, channels)` decodes any PNG, JPEG, GIF, BMP (palette
  PNGs to RGB(A), CMYK JPEGs to RGB, 16-bit PNGs to 8 bits) and converts.

`with_seeds(ds, seed)` gives each example its own seed, the same for the
same `seed` (the job passes each epoch its own: `batches.training_epoch`).
"""

import tensorflow as tf

from tfp_realnvp.models import inputs

LSUN_SIZE, LSUN_CROP = 96, 64
COLOR_MODES = {"grayscale": 1, "rgb": 3, "rgba": 4}


def with_seeds(ds, seed):
  """`ds` zipped with a fresh int64 (2,) seed per example and per epoch."""
  seeds = tf.data.Dataset.random(
      seed=seed, rerandomize_each_iteration=True).batch(2)
  return tf.data.Dataset.zip((ds, seeds))


def apply(images, fn, training, seed):
  """`fn(image, training, seed)` over a dataset of images, or of labelled
  examples (`models.inputs`; `fn` sees the image): with a fresh seed per
  example and epoch (`with_seeds`) in training, none otherwise."""
  if training:
    return with_seeds(images, seed).map(
        inputs.map_x(lambda i, s: fn(i, True, s)),
        num_parallel_calls=tf.data.AUTOTUNE)
  return images.map(inputs.map_x(lambda i: fn(i, False)),
                    num_parallel_calls=tf.data.AUTOTUNE)


def _round(image):
  return tf.cast(tf.clip_by_value(tf.round(image), 0., 255.), tf.int32)


def celeba(image, training, seed=None):
  image = tf.cast(image[40:188, 15:163], tf.float32)
  image = _round(tf.image.resize(image, [64, 64], method="bilinear"))
  if training:
    image = tf.image.stateless_random_flip_left_right(image, seed=seed)
  return image


def shorter_side_to(image, size):
  """Antialiased resize of a uint8/float image so its shorter side is `size`."""
  shape = tf.cast(tf.shape(image)[:2], tf.float32)
  new = tf.cast(tf.math.round(shape * size / tf.reduce_min(shape)), tf.int32)
  return tf.image.resize(tf.cast(image, tf.float32), tf.maximum(new, size),
                         method="bilinear", antialias=True)


def central_crop(image, height, width):
  top = (tf.shape(image)[0] - height) // 2
  left = (tf.shape(image)[1] - width) // 2
  return image[top:top + height, left:left + width]


def lsun(image, training, seed=None):
  image = _round(shorter_side_to(image, LSUN_SIZE))
  if not training:
    return central_crop(image, LSUN_CROP, LSUN_CROP)
  crop_seed, flip_seed = tf.unstack(
      tf.random.experimental.stateless_split(seed, 2))
  image = tf.image.stateless_random_crop(
      image, [LSUN_CROP, LSUN_CROP, tf.shape(image)[-1]], seed=crop_seed)
  return tf.image.stateless_random_flip_left_right(image, seed=flip_seed)


def centre_crop_resize(image, size):
  side = tf.reduce_min(tf.shape(image)[:2])
  square = tf.cast(central_crop(image, side, side), tf.float32)
  return _round(tf.image.resize(square, [size, size], method="bilinear",
                                antialias=True))


def at_size(image_size):
  """The preprocessing of user data: `centre_crop_resize` to `image_size`,
  or the pixels as they are if it is None."""
  if not image_size:
    return as_pixels
  return lambda image, training, seed=None: centre_crop_resize(image,
                                                               image_size)


def as_pixels(image, training, seed=None):
  """Images stored at their final size: int32 pixels as they are."""
  del training, seed
  return tf.cast(image, tf.int32)


def _gray(rgb):
  luma = tf.tensordot(tf.cast(rgb[..., :3], tf.float32),
                      tf.constant([0.299, 0.587, 0.114]), axes=1)
  return tf.cast(tf.round(luma), tf.uint8)[..., tf.newaxis]


def to_channels(image, channels):
  """uint8 (H, W, c), c in 1..4 (gray, gray+alpha, RGB, RGBA) -> uint8
  (H, W, `channels`); see the module docstring."""
  opaque = lambda: tf.fill(tf.shape(image[..., :1]), tf.constant(255, tf.uint8))
  gray = lambda: tf.repeat(image[..., :1], 3, axis=-1)
  by_target = {
      1: (lambda: image, lambda: image[..., :1], lambda: _gray(image),
          lambda: _gray(image)),
      3: (gray, gray, lambda: image, lambda: image[..., :3]),
      4: (lambda: tf.concat([gray(), opaque()], -1),
          lambda: tf.concat([gray(), image[..., 1:2]], -1),
          lambda: tf.concat([image, opaque()], -1), lambda: image),
  }[channels]
  out = tf.switch_case(tf.shape(image)[-1] - 1, by_target)
  return tf.ensure_shape(out, [None, None, channels])


def decode_file(path, channels):
  """The image file at `path` (a string tensor) as uint8 (H, W, channels)."""
  image = tf.io.decode_image(tf.io.read_file(path), channels=0,
                             dtype=tf.uint8, expand_animations=False)
  return to_channels(image, channels)
