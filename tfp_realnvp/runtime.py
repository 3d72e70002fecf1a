"""TensorFlow's runtime settings, chosen for the size of a model's operations.

Two settings, both process-wide: the CPU thread pools and Grappler, the
graph optimiser TensorFlow runs on every traced function before its first
call.

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
are cores, and skips most of Grappler's passes (`SLOW_GRAPPLER_PASSES`):
on the digits-size training step (17,000 operations) they took 2 of the
first run's 6 seconds after tracing (all passes: 4 s, but the process then
held 40% more memory) and the optimised step ran no faster (71 vs 72 ms,
within noise). Otherwise
TensorFlow's defaults stay (Grappler's fused convolutions and layout
changes pay at 32x32). Vector models, whose operations are smaller still,
count as small. The settings can change only before TensorFlow starts its
runtime, so a process calls `configure` first.
"""

import dataclasses
import os
import typing

import tensorflow as tf

__all__ = ["SMALL_WORK", "SLOW_GRAPPLER_PASSES", "RuntimeSettings", "check",
           "plan", "configure"]

SMALL_WORK = 2 ** 19

# Grappler passes a small model's step does not gain from; the memory
# optimiser and the pruning passes stay (without them the process held
# 40% more memory).
SLOW_GRAPPLER_PASSES = (
    "constant_folding", "remapping", "arithmetic_optimization",
    "layout_optimizer", "dependency_optimization", "loop_optimization",
    "function_optimization", "shape_optimization", "debug_stripper",
    "scoped_allocator_optimization", "pin_to_host_optimization",
    "implementation_selector", "auto_mixed_precision")


def check(setting):
  """The error message for a `runtime` setting, or None if it is fine."""
  if setting in ("auto", "default"):
    return None
  parts = setting.split(",")
  if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
    return None
  return (f"--runtime must be auto, default or INTRA,INTER (thread counts, "
          f"0 = TensorFlow's choice); got {setting!r}.")


@dataclasses.dataclass(frozen=True)
class RuntimeSettings:
  """What `configure` set: thread counts (None: TensorFlow's defaults),
  whether the slow Grappler passes were skipped, and whether TensorFlow
  had already started (then nothing could change)."""
  intra_op_threads: typing.Optional[int] = None
  inter_op_threads: typing.Optional[int] = None
  fast_grappler: bool = False
  too_late: bool = False


def plan(setting, step_work, jit_compile=False):
  """(intra_op, inter_op) thread counts for `setting`, or None to keep
  TensorFlow's defaults (and Grappler).

  Args:
    setting: "auto", "default" or "INTRA,INTER".
    step_work: batch_size * height * width * num_filters of an image
      model's first scale; 0 for a model without image convolutions (a
      vector model), which counts as small.
    jit_compile: the step is compiled with XLA, which parallelises inside
      its one compiled computation with the intra-op pool (with one
      thread it trained the digits 0.78x as fast): "auto" keeps the
      defaults.
  """
  if setting == "default":
    return None
  if setting != "auto":
    intra, inter = (int(p) for p in setting.split(","))
    return intra, inter
  if jit_compile or tf.config.list_physical_devices("GPU"):
    return None
  if step_work > SMALL_WORK:
    return None
  return 1, os.cpu_count() or 1


def configure(setting, step_work, jit_compile=False):
  """Sets the pools by `plan` (and, for "auto", skips the slow Grappler
  passes); returns the `RuntimeSettings` it set.

  Once TensorFlow's runtime has started the pools cannot change: then the
  process keeps what it has, and the answer says so (`too_late`).
  """
  counts = plan(setting, step_work, jit_compile)
  if counts is None:
    return RuntimeSettings()
  try:
    tf.config.threading.set_intra_op_parallelism_threads(counts[0])
    tf.config.threading.set_inter_op_parallelism_threads(counts[1])
  except RuntimeError:  # the runtime has started: nothing can change now
    return RuntimeSettings(too_late=True)
  if setting != "auto":
    return RuntimeSettings(*counts)
  tf.config.optimizer.set_experimental_options(
      {name: False for name in SLOW_GRAPPLER_PASSES})
  return RuntimeSettings(*counts, fast_grappler=True)
