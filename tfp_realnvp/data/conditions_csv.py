"""`conditions.csv` of an image folder: a float condition per image file.

    image,age,smile          a header row; then per image its path below
    a/001.png,31,0.8         the folder ("/"-separated, as the folder
    a/002.png,45,0.1         lists it) and its K numbers: condition (K,)

`read(folder, paths)` returns a (len(paths), K) float32 array in the order
of `paths`, or None when the folder has no conditions.csv. A file without a
row, a row whose number of values differs, or a value that is not a finite
number is refused (`BadInput`) naming the file, the row and what to do,
before any image is decoded.
"""

import csv
import io

import numpy as np

from tfp_realnvp import storage
from tfp_realnvp.data.sources import BadInput

__all__ = ["NAME", "read"]

NAME = "conditions.csv"


def _rows(path):
  """{image path: [values as text]} of the file, after its header."""
  reader = csv.reader(io.StringIO(storage.read_text(path)))
  header = next(reader, None)
  if not header or len(header) < 2:
    raise BadInput(f"{path}: the first row must name the image column and "
                   "at least one condition column.")
  rows = {}
  for number, row in enumerate(reader, start=2):
    if not row:
      continue
    if len(row) != len(header):
      raise BadInput(f"{path}, row {number}: {len(row)} values where the "
                     f"header has {len(header)} columns.")
    rows[row[0].strip().replace("\\", "/")] = row[1:]
  return rows


def read(folder, paths):
  """(len(paths), K) float32 conditions of the image files `paths` (below
  `folder`), or None if `folder` has no conditions.csv."""
  path = storage.join(folder, NAME)
  if not storage.exists(path):
    return None
  rows = _rows(path)
  missing = [p for p in paths if p not in rows]
  if missing:
    raise BadInput(f"{path} has no row for {len(missing)} image(s), e.g. "
                   f"{', '.join(missing[:3])}: give every image its "
                   "condition (or leave the image out of the folder).")
  try:
    values = np.array([[float(v) for v in rows[p]] for p in paths],
                      np.float32)
  except ValueError as e:
    raise BadInput(f"{path}: every condition value must be a number ({e})."
                   ) from None
  if not np.all(np.isfinite(values)):
    bad = paths[int(np.argwhere(~np.isfinite(values))[0, 0])]
    raise BadInput(f"{path}: the condition of {bad} is not finite.")
  return values
