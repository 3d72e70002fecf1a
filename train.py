"""Train, evaluate, sample from and export Real NVP models.

    python train.py --flagfile=flags/digits.flags     # digits, ~2 min on 2 CPU cores
    python train.py --flagfile=flags/cifar10.flags    # a paper run
    python train.py --mode=eval --model_dir=runs/digits
    python train.py --mode=sample --temperature=0.7 --model_dir=runs/digits
    python train.py --mode=export --export_dir=/tmp/realnvp --model_dir=runs/digits
    python train.py --strategy=mirrored --mixed_precision=bfloat16

Flags and wiring only: the flags are made from `tfp_realnvp/job/config.py`,
the job is `tfp_realnvp/job/run.py`.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

from tfp_realnvp import job  # noqa: E402

job.define_flags()
flags.adopt_module_key_flags(job.config)  # --help lists them as this script's


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  try:
    config = job.from_flags().validate()
  except ValueError as e:
    raise app.UsageError(str(e)) from None
  print(f"model_dir: {os.path.abspath(config.model_dir)}", flush=True)
  try:
    results = job.execute(config)
  except job.USER_ERRORS as e:  # the message says what to do
    sys.exit(f"Error: {e}")
  print(json.dumps(results, indent=1))


if __name__ == "__main__":
  app.run(main)
