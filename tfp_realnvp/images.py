"""Writing images a person looks at: PNG grids of samples."""

import math

import numpy as np
import tensorflow as tf


def grid(images, columns=None, pad=1):
  """(N, H, W, C) floats in [0, 1] -> one (rows*(H+pad)+pad, ..., C) uint8 image."""
  images = np.clip(np.asarray(images, np.float32), 0., 1.)
  n, h, w, c = images.shape
  columns = columns or int(math.ceil(math.sqrt(n)))
  rows = int(math.ceil(n / columns))
  out = np.ones((rows * (h + pad) + pad, columns * (w + pad) + pad, c),
                np.float32)
  for i, image in enumerate(images):
    r, col = divmod(i, columns)
    top, left = pad + r * (h + pad), pad + col * (w + pad)
    out[top:top + h, left:left + w] = image
  return np.round(out * 255.).astype(np.uint8)


def write_png_grid(images, path, columns=None, upscale=None):
  """Writes a PNG grid of `images` (N, H, W, C) in [0, 1]; small images upscaled."""
  g = grid(images, columns)
  if upscale is None:
    upscale = max(1, 256 // max(g.shape[:2]))
  if upscale > 1:
    g = np.repeat(np.repeat(g, upscale, axis=0), upscale, axis=1)
  tf.io.write_file(path, tf.io.encode_png(g))
  return path
