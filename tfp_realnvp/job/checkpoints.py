"""Loading weights into a model: the one way the job does it.

    load(model, path)                   loads a weights file and checks every
                                        weight is finite (`Unreadable`,
                                        `NotFinite` say which failed)
    load_checkpoint(model, path, folder)  the modes' load: a `CheckpointError`
                                        names the file and the checkpoints
                                        of `folder` to pass instead
    all_finite(weights)                 the finiteness check (also the NaN
                                        guard's, `callbacks.py`)
    load_model(config, source)          a trained run's model (eval, sample,
                                        export, score): resolved, built,
                                        its checkpoint loaded

The training state (`state.restore`) loads through `load` too, with its own
advice.
"""

import tensorflow as tf

from tfp_realnvp import storage
from tfp_realnvp.job import resolve
from tfp_realnvp.job.model_dir import ModelDir

__all__ = ["CheckpointError", "Unreadable", "NotFinite", "all_finite", "load",
           "load_checkpoint", "load_model"]


class CheckpointError(RuntimeError):
  """A weights file that is missing, unreadable or not finite."""


class Unreadable(Exception):
  """`load` could not read the file; the message says why, in one line."""


class NotFinite(Exception):
  """`load` read the file, and it holds NaN or Inf."""


def all_finite(weights):
  """Whether every entry of every floating weight is finite (one device ->
  host transfer, not one per weight)."""
  finite = [tf.reduce_all(tf.math.is_finite(tf.convert_to_tensor(w)))
            for w in weights if tf.as_dtype(w.dtype).is_floating]
  return bool(tf.reduce_all(tf.stack(finite))) if finite else True


def load(model, path):
  """Loads the weights file `path` into `model`, then checks them."""
  try:
    model.load_weights(path)
  except Exception as e:  # h5py's OSError, Keras' ValueError, ...
    raise Unreadable(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
                     ) from None
  if not all_finite(model.weights):
    raise NotFinite(path)


def load_checkpoint(model, path, folder=None):
  """Loads `path` into `model`; a CheckpointError names the file and what
  to do (the other checkpoints of the `ModelDir` `folder`, if given)."""
  others = [p for p in ([folder.best] + folder.epoch_checkpoints()[::-1]
                        if folder else []) if p != path and storage.exists(p)]
  advice = (f" Pass --checkpoint={others[0]} (or another file of "
            f"{folder.path}) or train again." if others else
            " Train again (--mode=train) or pass --checkpoint.")
  if not storage.exists(path):
    raise CheckpointError(f"Checkpoint {path} does not exist." + advice)
  try:
    load(model, path)
  except Unreadable as e:
    raise CheckpointError(f"Checkpoint {path} cannot be read: it is "
                          f"truncated or corrupt ({e})." + advice) from None
  except NotFinite:
    raise CheckpointError(f"Checkpoint {path} holds non-finite weights "
                          "(NaN or Inf)." + advice) from None


def load_model(config, source=None):
  """(model, checkpoint path): resolves the model once (for `source`,
  default the config's), sets the runtime for it, builds it and loads
  `--checkpoint` (default: the model_dir's best, else its newest)."""
  spec = resolve.model_spec(config, source or resolve.source(config))
  resolve.configure_runtime(config, spec)
  model = spec.build(config.model_dir)
  folder = ModelDir(config.model_dir)
  path = config.checkpoint or folder.latest_checkpoint()
  load_checkpoint(model, path, folder)
  return model, path
