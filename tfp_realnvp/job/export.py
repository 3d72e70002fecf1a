"""SavedModel export that a process without this package (or TFP) can load.

The signatures are the model's (`FlowModel.export_signatures`), all with any
batch size, their inputs and outputs named for what they are. Image models
(`RealNVP`):
  * `log_prob(images)`: float32 images in [0, 1], (N, H, W, C) -> `log_prob` (N,);
  * `bits_per_dim(pixels)`: int32 pixels in [0, num_levels) -> `bits_per_dim`
    (N,), with fresh dequantization noise;
  * `sample(num_samples, temperature, seed)`: int32, float32, int64 (the
    same seed gives the same images) -> `images` (num_samples, H, W, C) in
    [0, 1].
Class-conditional models take `labels` (int32, one per example) too.
Vector models export `log_prob(points)` and `sample` (output `samples`).
A wrong image size or out-of-range pixels raise `InvalidArgumentError`
naming the problem (the sizes are checked inside the graph, since a loaded
signature does not check them).

The SavedModel is written to a temporary folder next to `export_dir` and
renamed into place, so an interrupted export never leaves a half-written
model where a good one was.
"""

import os
import shutil
import uuid

import tensorflow as tf

from tfp_realnvp.bijectors import keras_tracking


class _ExportModule(tf.Module):
  """Holds the weights' `tf.Variable`s and the model's `export_signatures()`.

  The Keras model itself is not an attribute: SavedModel would then also trace
  its `call` as a default signature. The signature functions close over it.
  """

  def __init__(self, model):
    super().__init__()
    self.weights = [keras_tracking.underlying_variable(w) for w in model.weights]
    self.endpoints = model.export_signatures()


def export_saved_model(model, export_dir, overwrite=False):
  """Writes `model` as a SavedModel at `export_dir`; returns the path.

  Raises:
    FileExistsError: `export_dir` exists and `overwrite` is False.
  """
  export_dir = os.path.abspath(export_dir)
  if os.path.exists(export_dir) and not overwrite:
    raise FileExistsError(
        f"export_dir {export_dir} already exists; pass overwrite=True "
        "(--overwrite_export) to replace it.")
  parent = os.path.dirname(export_dir)
  os.makedirs(parent, exist_ok=True)
  tmp = os.path.join(parent, f".{os.path.basename(export_dir)}.tmp-"
                     f"{uuid.uuid4().hex[:8]}")
  module = _ExportModule(model)
  try:
    tf.saved_model.save(module, tmp, signatures=dict(module.endpoints))
    if os.path.exists(export_dir):
      old = tmp + "-old"
      os.rename(export_dir, old)
      os.rename(tmp, export_dir)
      shutil.rmtree(old)
    else:
      os.rename(tmp, export_dir)
  finally:
    if os.path.exists(tmp):
      shutil.rmtree(tmp)
  return export_dir
