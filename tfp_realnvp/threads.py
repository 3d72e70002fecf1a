"""TensorFlow's CPU thread pools, chosen for the size of a model's operations.

TensorFlow runs a graph's independent operations in parallel (the inter-op
pool) and splits each operation over cores (the intra-op pool); by default
both pools have one thread per core. Splitting pays only for large
operations: at the digits size (64 images of 8x8, 16-32 feature maps) the
convolutions and batch norms take tens of microseconds, and handing parts of
them to other threads costs more than it saves. Measured on 2 cores
(`benchmarks/README.md`): one thread per operation with operations in
parallel trains such a model 1.5x faster; at 28x28 and 32x32 the default
wins by 15%.

The rule: a CPU-only process whose first-scale feature maps are small,

    batch_size * height * width * num_filters <= SMALL_WORK,

runs each operation on one thread and as many operations at a time as there
are cores; otherwise TensorFlow's defaults stay. (Vector models, whose
operations are smaller still, count as small.) The pools can be set only
before TensorFlow starts its runtime, so a process calls `configure` first.
"""

import os

import tensorflow as tf

__all__ = ["SMALL_WORK", "check", "plan", "configure"]

SMALL_WORK = 2 ** 19


def check(setting):
  """The error message for a `threads` setting, or None if it is fine."""
  if setting in ("auto", "default"):
    return None
  parts = setting.split(",")
  if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
    return None
  return (f"--threads must be auto, default or INTRA,INTER (two counts, "
          f"0 = TensorFlow's choice); got {setting!r}.")


def plan(setting, batch_size, model_kwargs):
  """(intra_op, inter_op) thread counts for `setting`, or None to keep
  TensorFlow's defaults.

  Args:
    setting: "auto", "default" or "INTRA,INTER".
    batch_size: examples per step.
    model_kwargs: the model's constructor arguments (`image_shape`,
      `num_filters` for image models).
  """
  if setting == "default":
    return None
  if setting != "auto":
    intra, inter = (int(p) for p in setting.split(","))
    return intra, inter
  if tf.config.list_physical_devices("GPU"):
    return None
  if "image_shape" in model_kwargs:
    height, width, _ = model_kwargs["image_shape"]
    work = batch_size * height * width * model_kwargs["num_filters"]
    if work > SMALL_WORK:
      return None
  return 1, os.cpu_count() or 1


def configure(setting, batch_size, model_kwargs):
  """Sets the pools by `plan`; returns what it set, e.g. "1,2", or "default".

  Once TensorFlow's runtime has started the pools cannot change: then the
  process keeps what it has, and the answer says so.
  """
  counts = plan(setting, batch_size, model_kwargs)
  if counts is None:
    return "default"
  try:
    tf.config.threading.set_intra_op_parallelism_threads(counts[0])
    tf.config.threading.set_inter_op_parallelism_threads(counts[1])
  except RuntimeError:  # the runtime has started: nothing can change now
    return "unchanged (TensorFlow had started)"
  return f"{counts[0]},{counts[1]}"
