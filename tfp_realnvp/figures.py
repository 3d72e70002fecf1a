"""Pictures a person looks at: sample grids, 2-D densities, PNG files.

Pure layout (numpy in, uint8 images out) plus writing PNGs; the models
decide what to draw (`FlowModel.sample_figure`), the job where to write it.
"""

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


def write_png(image, path, upscale=None):
  """Writes a uint8 (H, W, C) image as PNG; small images are upscaled to ~256 px."""
  if upscale is None:
    upscale = max(1, 256 // max(image.shape[:2]))
  if upscale > 1:
    image = np.repeat(np.repeat(image, upscale, axis=0), upscale, axis=1)
  tf.io.write_file(path, tf.io.encode_png(image))
  return path


def density_and_samples(log_prob_fn, samples, extent, size=256):
  """A 2-D density (left) and a histogram of samples (right), uint8 (size, 2 size + 4, 1).

  Args:
    log_prob_fn: (N, 2) float32 points -> (N,) log-density; None leaves the
      left panel black (data of more than two dimensions).
    samples: (M, 2) points.
    extent: (x min, x max, y min, y max); y points up in the image.
  """
  xs = np.linspace(extent[0], extent[1], size)
  ys = np.linspace(extent[2], extent[3], size)
  points = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2).astype(np.float32)
  density = (np.zeros((size, size)) if log_prob_fn is None else
             np.exp(np.asarray(log_prob_fn(points))).reshape(size, size))
  hist, _, _ = np.histogram2d(samples[:, 1], samples[:, 0], bins=size,
                              range=[extent[2:], extent[:2]])

  def to_image(values):
    values = values / max(values.max(), 1e-12)
    return (np.clip(values, 0., 1.) * 255).astype(np.uint8)[::-1]

  return np.concatenate([to_image(density),
                         np.full((size, 4), 255, np.uint8),
                         to_image(np.sqrt(hist))], axis=1)[..., None]
