"""The job's data as Keras takes them: a split in batches, a training epoch.

    batched(config, source, split, training_mode, repeat)   a split
    training_epoch(config, source, epoch, skip)   the batches of one
                                  training epoch, a function of the seed and
                                  the epoch (a resumed run gets the same)
    epoch_seed(seed, epoch)       that epoch's seed
"""

import functools

from tfp_realnvp.data import pipeline


def batched(config, source, split, training_mode, repeat=1):
  ds = source.examples(split, training_mode, config.seed,
                       labels=config.conditional)
  return pipeline.batched(
      ds, config.batch_size, shuffle=training_mode, seed=config.seed,
      repeat=repeat, cache=source.cache_in_memory)


def epoch_seed(seed, epoch):
  """The seed of 0-based `epoch`'s shuffle and augmentation draws."""
  return (int(seed) * 1_000_003 + int(epoch)) % 2**31


@functools.lru_cache(maxsize=4)
def _cached_examples(source, labels):
  # Small data without augmentation (`Source.cache_in_memory`): decoded once.
  return source.examples("train", True, 0, labels=labels).cache()


def training_epoch(config, source, epoch, skip=0):
  """The training batches of 0-based `epoch` without its first `skip`.

  The order and the augmentation are drawn from `epoch_seed(config.seed,
  epoch)` alone, so a run resumed inside an epoch sees the batches it would
  have seen (the skipped ones are read and dropped, not trained on). An
  epoch is one pass over the split, or with `--steps_per_epoch` that many
  batches of passes repeated (each reshuffled).
  """
  seed = epoch_seed(config.seed, epoch)
  if source.cache_in_memory:
    ds = _cached_examples(source, config.conditional)
  else:
    ds = source.examples("train", True, seed, labels=config.conditional)
  ds = pipeline.batched(ds, config.batch_size, shuffle=True, seed=seed,
                        repeat=None if config.steps_per_epoch else 1)
  if config.steps_per_epoch:
    ds = ds.take(config.steps_per_epoch)
  return ds.skip(skip) if skip else ds
