"""Train, evaluate, sample from and export Real NVP models.

    python train.py                                   # digits, ~2 min on 2 CPU cores
    python train.py --flagfile=flags/cifar10.flags    # a paper run
    python train.py --mode=eval --model_dir=runs/digits
    python train.py --mode=sample --temperature=0.7 --model_dir=runs/digits
    python train.py --mode=export --export_dir=/tmp/realnvp --model_dir=runs/digits
    python train.py --strategy=mirrored --mixed_precision=bfloat16

Flags and wiring only; the job lives in `tfp_realnvp/job.py`.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

from tfp_realnvp import data  # noqa: E402
from tfp_realnvp import distribute  # noqa: E402
from tfp_realnvp import job  # noqa: E402
from tfp_realnvp import presets  # noqa: E402

_DEFAULTS = job.JobConfig()
F = flags.FLAGS
flags.DEFINE_enum("mode", "train", sorted(job.MODES), "What to do.")
flags.DEFINE_enum("dataset", _DEFAULTS.dataset, list(data.DATASETS), "Data set.")
flags.DEFINE_string("data_dir", None, "TFDS data directory.")
flags.DEFINE_enum("preset", None, sorted(presets.PRESETS),
                  "Architecture preset (default: the dataset's).")
flags.DEFINE_integer("num_scales", None, "Override the preset's num_scales.")
flags.DEFINE_integer("num_res_blocks", None, "Override num_res_blocks.")
flags.DEFINE_integer("num_filters", None, "Override num_filters.")
flags.DEFINE_integer("batch_size", _DEFAULTS.batch_size, "Batch size.",
                     lower_bound=1)
flags.DEFINE_integer("epochs", _DEFAULTS.epochs, "Maximum epochs.",
                     lower_bound=1)
flags.DEFINE_integer("steps_per_epoch", None, "Steps per epoch (default: "
                     "one pass over the training split).", lower_bound=1)
flags.DEFINE_float("time_limit", _DEFAULTS.time_limit, "Seconds of training: stop "
                   "after an epoch when one more would end past them (0: no "
                   "limit).", lower_bound=0)
flags.DEFINE_integer("early_stopping", None, "Stop after this many epochs "
                     "without a better validation bits/dim.", lower_bound=1)
flags.DEFINE_integer("lr_plateau", None, "Halve the learning rate after this "
                     "many epochs without a better validation score.",
                     lower_bound=1)
flags.DEFINE_float("learning_rate", _DEFAULTS.learning_rate, "Adam's.",
                   lower_bound=0)
flags.DEFINE_float("l2", _DEFAULTS.l2, "L2 coefficient (reference 5e-5).",
                   lower_bound=0)
flags.DEFINE_float("dropout", _DEFAULTS.dropout, "Dropout rate in [0, 1) in "
                   "the networks' residual blocks (not in the paper; a "
                   "regulariser for small data).")
flags.DEFINE_string("model_dir", _DEFAULTS.model_dir, "Checkpoints, logs, "
                    "samples, export.")
flags.DEFINE_integer("seed", _DEFAULTS.seed, "Random seed.")
flags.DEFINE_float("temperature", _DEFAULTS.temperature, "Sampling temperature.",
                   lower_bound=0)
flags.DEFINE_integer("num_samples", _DEFAULTS.num_samples, "Samples in a grid.",
                     lower_bound=1)
flags.DEFINE_integer("eval_draws", _DEFAULTS.eval_draws,
                     "Dequantization draws of the test bits/dim.",
                     lower_bound=1)
flags.DEFINE_integer("validation_draws", _DEFAULTS.validation_draws,
                     "Dequantization draws of each epoch's validation "
                     "bits/dim.", lower_bound=1)
flags.DEFINE_integer("sample_every", _DEFAULTS.sample_every,
                     "Epochs between sample grids.",
                     lower_bound=1)
flags.DEFINE_string("export_dir", None, "SavedModel folder (default: "
                    "model_dir/export).")
flags.DEFINE_bool("overwrite_export", False, "Replace an existing export_dir.")
flags.DEFINE_bool("jit_compile", None, "Compile the training step with XLA "
                  "(default: Keras' auto, on for GPUs; on CPUs it measured "
                  "slower than TensorFlow's own kernels).")
flags.DEFINE_enum("strategy", _DEFAULTS.strategy, list(distribute.STRATEGIES),
                  "tf.distribute strategy: one device, the local devices, "
                  "several workers (TF_CONFIG), or a TPU.")
flags.DEFINE_string("tpu", _DEFAULTS.tpu, "--strategy=tpu: the TPU's name or "
                    "grpc:// address ('' = local).")
flags.DEFINE_enum("mixed_precision", None, sorted(job.MIXED_PRECISION),
                  "Run the coupling networks in this dtype (bfloat16 on "
                  "CPU/TPU, float16 on GPU); the flow, its log-dets, batch-norm "
                  "statistics and the loss stay float32.")
flags.DEFINE_string("checkpoint", None, "Weights file for eval/sample/export "
                    "(default: the model_dir's best).")


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  config = job.JobConfig(**{
      f.name: getattr(F, f.name) for f in job.dataclasses.fields(job.JobConfig)})
  print(f"model_dir: {os.path.abspath(config.model_dir)}")
  results = job.MODES[F.mode](config)
  print(json.dumps(results, indent=1))


if __name__ == "__main__":
  app.run(main)
