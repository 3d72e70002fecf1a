"""Image files as users' folders hold them, written with Pillow.

    MODES                      name -> (Pillow mode, format, extension)
    write(path, pixels, name)  one file of `pixels` (H, W, 3) in mode `name`
    expected_rgb(path)         the RGB pixels Pillow decodes from a file
    write_mixed(folder)        one file of every mode, in two class folders,
                               and the files a folder collects besides
                               (.DS_Store, Thumbs.db, notes.txt, ._x.jpg)
    truncated(path, source)    the first 2/3 of `source`: an interrupted copy
"""

import os

import numpy as np
from PIL import Image

MODES = {
    "gray_png": ("L", "PNG", "png"),
    "gray_alpha_png": ("LA", "PNG", "png"),
    "rgb_png": ("RGB", "PNG", "png"),
    "rgba_png": ("RGBA", "PNG", "png"),
    "palette_png": ("P", "PNG", "png"),
    "gray_16bit_png": ("I;16", "PNG", "png"),
    "gray_jpeg": ("L", "JPEG", "jpg"),
    "rgb_jpeg": ("RGB", "JPEG", "jpeg"),
    "cmyk_jpeg": ("CMYK", "JPEG", "jpg"),
    "gif": ("P", "GIF", "gif"),
    "rgb_bmp": ("RGB", "BMP", "bmp"),
    "gray_bmp": ("L", "BMP", "bmp"),
}
GRAY = ("gray_png", "gray_alpha_png", "gray_16bit_png", "gray_jpeg",
        "gray_bmp")
JUNK = (".DS_Store", "Thumbs.db", "notes.txt", "._0.jpg")


def write(path, pixels, name):
  """Writes `pixels` (uint8 (H, W, 3)) to `path` in mode `name` (`MODES`)."""
  mode, fmt, _ = MODES[name]
  image = Image.fromarray(pixels)
  if mode == "I;16":  # 16 bits per sample: v -> v * 257 keeps 8-bit v exact
    image = Image.fromarray(
        np.asarray(image.convert("L")).astype(np.uint16) * 257)
  elif mode == "P":  # an adaptive palette: the image's own colours only
    image = image.convert("P", palette=Image.Palette.ADAPTIVE)
  elif mode == "RGBA":
    image = image.convert("RGBA")
    image.putalpha(128)
  else:
    image = image.convert(mode)
  image.save(path, fmt, **({"quality": 95} if fmt == "JPEG" else {}))
  return path


def expected_rgb(path):
  """(H, W, 3) uint8: the file as Pillow decodes it to RGB (alpha dropped)."""
  image = Image.open(path)
  if image.mode == "I;16":
    return np.repeat((np.asarray(image) // 257).astype(np.uint8)[..., None],
                     3, -1)
  return np.asarray(image.convert("RGB"))


def write_mixed(folder, size=(12, 10), seed=0):
  """Every mode of `MODES` once, in class folders a/ and b/, plus `JUNK`;
  returns {mode name: path}."""
  rng = np.random.RandomState(seed)
  paths = {}
  for i, name in enumerate(MODES):
    sub = os.path.join(folder, "ab"[i % 2])
    os.makedirs(sub, exist_ok=True)
    pixels = rng.randint(0, 256, size + (3,)).astype(np.uint8)
    paths[name] = write(os.path.join(sub, f"{name}.{MODES[name][2]}"),
                        pixels, name)
  for junk in JUNK:
    with open(os.path.join(folder, "a", junk), "w") as f:
      f.write("not an image")
  return paths


def truncated(path, source):
  """Writes the first 2/3 of file `source` to `path`."""
  with open(source, "rb") as f:
    data = f.read()
  with open(path, "wb") as f:
    f.write(data[:len(data) * 2 // 3])
  return path
