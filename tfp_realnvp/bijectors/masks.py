"""The binary masks of Real NVP's coupling layers, in one place.

Convention used throughout the package (paper, eq. 9; reference
`masked_conv_aff_coupling`): a mask entry `b = 1` marks an entry that is kept
unchanged and conditions the network; `b = 0` marks an entry that is
transformed.

* Checkerboard (spatial) mask, for images (H, W, C)::

      b[h, w] = (h + w + parity) mod 2,   the same for every channel.

  With `parity=1` the kept entries are those where `h + w` is even; with
  `parity=0`, where it is odd. The reference's `mask_in` is `parity` here
  (its couplings 0 and 2 use 1, couplings 1 and 3 use 0).

* Channel-wise mask, for images after a squeeze: `parity=0` keeps the first
  C/2 channels and transforms the last C/2; `parity=1` the reverse (the
  reference's `change_bottom=True` is `parity=0`).

* Alternating halves, for vectors (D,): `parity=0` keeps the first
  ceil(D/2) entries.
"""

import numpy as np
import tensorflow as tf


def checkerboard_mask(height, width, parity, dtype=tf.float32):
  """Returns the checkerboard mask `b` of shape (height, width, 1).

  Args:
    height: Python int or scalar int32 `Tensor`.
    width: Python int or scalar int32 `Tensor`.
    parity: 0 or 1.
    dtype: dtype of the returned mask.

  Returns:
    `Tensor` of shape (height, width, 1) with `b[h, w, 0] = (h + w + parity) % 2`.
  """
  rows = tf.range(height, dtype=tf.int32)[:, tf.newaxis]
  cols = tf.range(width, dtype=tf.int32)[tf.newaxis, :]
  mask = tf.math.floormod(rows + cols + int(parity), 2)
  return tf.cast(mask, dtype)[..., tf.newaxis]


def channel_halves(num_channels, parity):
  """Returns (kept, transformed) channel slices of the channel-wise mask.

  Args:
    num_channels: even Python int, C.
    parity: 0 keeps channels [0, C/2), 1 keeps channels [C/2, C).

  Returns:
    A pair of Python `slice`s: the kept channels and the transformed ones.
  """
  half = num_channels // 2
  first, second = slice(0, half), slice(half, num_channels)
  return (first, second) if parity == 0 else (second, first)


def alternating_mask(num_features, parity):
  """Returns the vector mask keeping one half of `num_features` entries.

  `parity=0` keeps the first ceil(D/2) entries; `parity=1` keeps the rest.
  Stacking couplings of alternating parity transforms every entry.

  Returns:
    float32 numpy array of shape (num_features,).
  """
  first = np.arange(num_features) < (num_features + 1) // 2
  return (first if parity == 0 else ~first).astype(np.float32)
