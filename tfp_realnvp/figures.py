"""Pictures a person looks at: sample grids, 2-D densities, PNG files.

Pure layout (numpy in, uint8 images out) plus writing PNGs; the models
decide what to draw (`models/figures.py`), the job where to write it.
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


# 3x5 bitmaps of the characters tick labels need.
_GLYPHS = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111",
    "3": "111001111001111", "4": "101101111001001", "5": "111100111001111",
    "6": "111100111101111", "7": "111001001001001", "8": "111101111101111",
    "9": "111101111001111", ".": "000000000000010", "-": "000000111000000",
}

# Distinct colours for overlaid histograms (RGB 0-255).
COLOURS = ((31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189),
           (255, 127, 14))


def text(string, scale=2):
  """A string of digits, '.' and '-' as a boolean (5 scale, 4 scale len) mask."""
  columns = []
  for ch in string:
    glyph = np.array([int(b) for b in _GLYPHS[ch]], bool).reshape(5, 3)
    columns += [glyph, np.zeros((5, 1), bool)]
  mask = np.concatenate(columns, axis=1) if columns else np.zeros((5, 0), bool)
  return np.repeat(np.repeat(mask, scale, 0), scale, 1)


def histograms(groups, bins=40, size=(640, 300), value_range=None):
  """Overlaid histograms of several groups of values: uint8 (H, W, 3).

  Each group (in order) is drawn as bars of its colour (`COLOURS`), with
  densities normalised per group so groups of different sizes compare;
  overlapping bars mix their colours. Under the axis, tick labels mark
  whole numbers of the values' unit (e.g. bits/dim).

  Args:
    groups: list of 1-D arrays of values.
    bins: bins over `value_range`.
    size: (width, height) in pixels.
    value_range: (low, high); default: the values' range.
  """
  width, height = size
  margin_bottom, margin = 26, 8
  values = np.concatenate([np.ravel(g) for g in groups])
  low, high = value_range or (float(values.min()), float(values.max()))
  if high <= low:
    high = low + 1.
  edges = np.linspace(low, high, bins + 1)
  plot_h, plot_w = height - margin_bottom - margin, width - 2 * margin
  counts = [np.histogram(np.clip(g, low, high), edges, density=True)[0]
            for g in groups]
  top = max(float(c.max()) for c in counts) or 1.
  image = np.full((height, width, 3), 255., np.float32)
  for count, colour in zip(counts, COLOURS):
    for b, c in enumerate(count):
      bar = int(round(c / top * plot_h))
      if bar == 0:
        continue
      x0 = margin + int(b * plot_w / bins)
      x1 = margin + int((b + 1) * plot_w / bins) - 1
      y0 = margin + plot_h - bar
      region = image[y0:margin + plot_h, x0:x1]
      region[:] = 0.45 * region + 0.55 * np.array(colour, np.float32)
  axis_y = margin + plot_h
  image[axis_y:axis_y + 1, margin:margin + plot_w] = 0.
  for tick in range(int(math.ceil(low)), int(math.floor(high)) + 1):
    x = margin + int((tick - low) / (high - low) * (plot_w - 1))
    image[axis_y:axis_y + 4, x] = 0.
    label = text(str(tick))
    left = min(max(0, x - label.shape[1] // 2), width - label.shape[1])
    image[axis_y + 7:axis_y + 7 + label.shape[0],
          left:left + label.shape[1]][label] = 0.
  return np.round(image).astype(np.uint8)
