"""Which devices train: `tf.distribute` strategies and the files each worker writes.

    --strategy=default       one device (the GPU when there is one)
    --strategy=mirrored      every local GPU (or CPU device), one process
    --strategy=multi_worker  several processes/hosts configured by TF_CONFIG,
                             each with its local devices
    --strategy=tpu           a TPU (`--tpu` names it; '' = the local one)

Keras `fit` takes the strategy from the scope the model and optimizer were
created in. The global batch (`--batch_size`) is split over the replicas; the
loss is each replica's share of the mean and gradients are summed; the batch
norms use the global batch's statistics (`bijectors/batch_norm.py`,
`networks.py`), so a replicated run computes what a single device would.

With several workers, only the chief writes to `model_dir`; every other
worker must still run the same saves (they take part in the same
collectives), so it writes to `worker_dir(...)`, deleted when it finishes.
"""

import json
import os

import tensorflow as tf

from tfp_realnvp import storage
from tfp_realnvp.job.config import STRATEGIES


def make_strategy(name="default", tpu=""):
  """The `tf.distribute.Strategy` named by `--strategy`."""
  if name == "default":
    return tf.distribute.get_strategy()
  if name == "mirrored":
    # Every GPU; without GPUs, every (logical) CPU device rather than
    # MirroredStrategy's default of one CPU.
    gpus = tf.config.list_logical_devices("GPU")
    if gpus:
      return tf.distribute.MirroredStrategy([d.name for d in gpus])
    # CPU devices share memory: reduce by copying to one. (TF's default for
    # them, collective ops, mismatched instances between two tf.functions
    # that all-reduce, e.g. a batch norm check and `fit`, in one process.)
    return tf.distribute.MirroredStrategy(
        [d.name for d in tf.config.list_logical_devices("CPU")],
        cross_device_ops=tf.distribute.ReductionToOneDevice())
  if name == "multi_worker":
    if "TF_CONFIG" not in os.environ:
      raise ValueError(
          "--strategy=multi_worker needs the TF_CONFIG environment variable "
          "(the cluster's workers and this process's task), e.g. "
          '{"cluster": {"worker": ["host1:port", "host2:port"]}, '
          '"task": {"type": "worker", "index": 0}}.')
    return tf.distribute.MultiWorkerMirroredStrategy()
  if name == "tpu":
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)
  raise ValueError(f"Unknown strategy {name!r}; choose one of "
                   f"{', '.join(STRATEGIES)}.")


def task():
  """(task type, index) of this process from TF_CONFIG; ('worker', 0) if none."""
  config = json.loads(os.environ.get("TF_CONFIG") or "{}")
  info = config.get("task") or {}
  return info.get("type", "worker"), int(info.get("index", 0))


def is_chief(strategy):
  """Whether this process writes the run's files: the chief, or worker 0 of
  a cluster without a chief, or the only process."""
  if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
    return True
  kind, index = task()
  cluster = json.loads(os.environ["TF_CONFIG"]).get("cluster", {})
  return kind == "chief" or (kind == "worker" and index == 0 and
                             "chief" not in cluster)


def worker_dir(model_dir, strategy):
  """`model_dir` for the chief; a private folder inside it for other workers."""
  if is_chief(strategy):
    return model_dir
  kind, index = task()
  return storage.join(model_dir, f".{kind}_{index}")


def is_single_process(strategy):
  """Whether every replica of `strategy` lives in this process (one device,
  or MirroredStrategy's local devices)."""
  return strategy.num_replicas_in_sync == 1 or isinstance(
      strategy, tf.distribute.MirroredStrategy)


def any_worker(strategy, *flags):
  """For each of `flags`, whether it is True on any worker (the same answer
  on every worker): what one worker needs (a stop, a save), all do at once.
  One collective for all the flags."""
  if is_single_process(strategy):  # its flags are everyone's
    return tuple(bool(f) for f in flags)
  counts = strategy.reduce(  # tf.distribute has SUM, not MAX
      tf.distribute.ReduceOp.SUM,
      strategy.run(lambda: tf.constant([float(bool(f)) for f in flags])),
      axis=None)
  return tuple(bool(c > 0) for c in counts.numpy())


def agree(strategy, flag):
  """True on every worker if `flag` is True on any (e.g. a time limit that
  one worker reaches first: all must stop at the same epoch)."""
  return any_worker(strategy, flag)[0]
