"""What every mode starts from: the data, the model spec, the runtime, a model.

    ready_source(config)          the data source, ready to read (else
                                  `DataUnavailable`, before anything is
                                  written)
    build_model(spec, model_dir)  the model; `model_dir` holds its
                                  architecture or none (config.json)
    load_model(config, source)    (model with the checkpoint's weights, path)
    batched(config, source, split, training_mode, repeat)   a split as
                                  Keras wants it
    training_epoch(config, source, epoch, skip)   the batches of one
                                  training epoch, a function of the seed and
                                  the epoch (a resumed run gets the same)
"""

import functools

from tfp_realnvp.data import pipeline
from tfp_realnvp.job import resolve
from tfp_realnvp.job.model_dir import ModelDir
from tfp_realnvp.job.checkpoints import load_checkpoint


def ready_source(config):
  source = resolve.source(config)
  source.prepare(download=config.download)
  return source


def build_model(spec, model_dir):
  model = spec.build()
  ModelDir(model_dir).check_architecture(model)
  return model


def load_model(config, source=None):
  """Resolves the model once (for `source`, default the config's), sets
  the runtime for it, builds it and loads `--checkpoint` (default: the
  model_dir's best, else its newest)."""
  spec = resolve.model_spec(config, source or resolve.source(config))
  resolve.configure_runtime(config, spec)
  model = build_model(spec, config.model_dir)
  folder = ModelDir(config.model_dir)
  path = config.checkpoint or folder.latest_checkpoint()
  load_checkpoint(model, path, folder)
  return model, path


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
