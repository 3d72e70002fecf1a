"""`--mode=export`: the SavedModel a process without this package (or TFP) loads.

The signatures (`signatures(model)`, built here from the model's public
methods and its `kind`) take any batch size, their inputs and outputs named
for what they are. Image models (`RealNVP`):
  * `log_prob(images)`: float32 images in [0, 1], (N, H, W, C) -> `log_prob` (N,);
  * `bits_per_dim(pixels)`: int32 pixels in [0, num_levels) -> `bits_per_dim`
    (N,), with fresh dequantization noise;
  * `sample(num_samples, temperature, seed)`: int32, float32, int64 (the
    same seed gives the same images) -> `images` (num_samples, H, W, C) in
    [0, 1].
Class-conditional models take `labels` (int32, one per example) too, and
models with a `condition_shape` take `conditions` (float32, (N,) +
condition_shape, or one row for every example).
Vector models export `log_prob(points)` and `sample` (output `samples`).
A wrong image size or out-of-range pixels raise `InvalidArgumentError`
naming the problem (the sizes are checked inside the graph, since a loaded
signature does not check them).

On a local disk the SavedModel is written to a temporary folder next to
`export_dir` and renamed into place, so an interrupted export never leaves a
half-written model where a good one was. On an object store (gs://), which
has no folder rename, it is written in place after the old one is removed.
"""

import uuid

import tensorflow as tf

from tfp_realnvp import checks
from tfp_realnvp import storage
from tfp_realnvp.bijectors import keras_tracking
from tfp_realnvp.job import checkpoints


def _given_specs(model):
  """[(argument, TensorSpec)] of what a conditional model's signatures also
  take: `labels` (int32, one per example), `conditions` (float32, one per
  example, or one row for all)."""
  specs = []
  if model.num_classes is not None:
    specs.append(("label", tf.TensorSpec([None], tf.int32, name="labels")))
  if model.condition_shape is not None:
    specs.append(("condition", tf.TensorSpec(
        (None,) + tuple(model.condition_shape), tf.float32,
        name="conditions")))
  return specs


def signatures(model):
  """{name: tf.function with an input signature} for a SavedModel; inputs
  and outputs are named for what they are (module docstring):

    log_prob(<images | points>[, labels][, conditions]) -> {"log_prob"}
    sample(num_samples, temperature, seed[, labels][, conditions])
        -> {<images | samples>}
    bits_per_dim(pixels[, labels][, conditions]) -> {"bits_per_dim"}
        (images only)

  `seed` (int64) makes `sample` reproducible: the same seed, the same
  samples. `labels` and `conditions` only for conditional models.
  """
  data_name, sample_key = model.kind.data_name, model.kind.sample_name
  event_shape = tuple(model.event_shape)
  given = _given_specs(model)
  extra = [spec for _, spec in given]

  def kwargs(values):
    out = dict(zip([name for name, _ in given], values))
    if "condition" in out:
      out["condition"] = checks.asserted_event_shape(
          out["condition"], tuple(model.condition_shape), "conditions")
    return out

  def log_prob(x, *values):
    x = checks.asserted_event_shape(x, event_shape, data_name)
    return {"log_prob": model.log_prob(x, **kwargs(values))}

  def sample(num_samples, temperature, seed, *values):
    return {sample_key: model.sample(num_samples, temperature, seed=seed,
                                     **kwargs(values))}

  out = {
      "log_prob": tf.function(log_prob, input_signature=[
          tf.TensorSpec((None,) + event_shape, tf.float32, name=data_name)
      ] + extra),
      "sample": tf.function(sample, input_signature=[
          tf.TensorSpec([], tf.int32, name="num_samples"),
          tf.TensorSpec([], tf.float32, name="temperature"),
          tf.TensorSpec([], tf.int64, name="seed")] + extra)}
  if model.kind.integer_data:

    def bits_per_dim(pixels, *values):
      pixels = checks.asserted_event_shape(pixels, event_shape, "pixels")
      return {"bits_per_dim": model.bits_per_dim(pixels, **kwargs(values))}

    out["bits_per_dim"] = tf.function(bits_per_dim, input_signature=[
        tf.TensorSpec((None,) + event_shape, tf.int32, name="pixels")
    ] + extra)
  return out


class _ExportModule(tf.Module):
  """Holds the weights' `tf.Variable`s and the model's `signatures`.

  The Keras model itself is not an attribute: SavedModel would then also trace
  its `call` as a default signature. The signature functions close over it.
  """

  def __init__(self, model):
    super().__init__()
    self.weights = [keras_tracking.underlying_variable(w) for w in model.weights]
    self.endpoints = signatures(model)


def export_saved_model(model, export_dir, overwrite=False):
  """Writes `model` as a SavedModel at `export_dir`; returns the path.

  Raises:
    FileExistsError: `export_dir` exists and `overwrite` is False.
  """
  export_dir = storage.absolute(export_dir)
  if storage.exists(export_dir) and not overwrite:
    raise FileExistsError(
        f"export_dir {export_dir} already exists; pass overwrite=True "
        "(--overwrite_export) to replace it.")
  module = _ExportModule(model)
  signatures = dict(module.endpoints)
  if storage.is_remote(export_dir):
    # An object store renames a folder object by object (and TensorFlow's
    # GCS client asks the bucket's layout first): nothing is gained over
    # writing in place, after removing the old export.
    storage.rmtree(export_dir)
    tf.saved_model.save(module, export_dir, signatures=signatures)
    return export_dir
  parent = storage.dirname(export_dir)
  storage.makedirs(parent)
  # Written beside the target, then renamed over it (atomic on a disk).
  tmp = storage.join(parent, f".{storage.basename(export_dir)}.tmp-"
                     f"{uuid.uuid4().hex[:8]}")
  try:
    tf.saved_model.save(module, tmp, signatures=signatures)
    if storage.exists(export_dir):
      old = tmp + "-old"
      storage.rename(export_dir, old)
      storage.rename(tmp, export_dir)
      storage.rmtree(old)
    else:
      storage.rename(tmp, export_dir)
  finally:
    storage.rmtree(tmp)
  return export_dir


def run_export(config):
  model, path = checkpoints.load_model(config)
  out = export_saved_model(
      model, config.export_dir or storage.join(config.model_dir, "export"),
      overwrite=config.overwrite_export)
  return {"export_dir": out, "checkpoint": path}
