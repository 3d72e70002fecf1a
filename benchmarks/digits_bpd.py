"""Digits test bits/dim after a fixed wall-clock budget of `fit` (issue 3).

The training job itself (`tfp_realnvp.job.run_train`) with a time limit and
validation over 4 dequantization draws per epoch. Convention
(`tfp_realnvp.data`): RandomState(0) permutation, 1293 train / 144
validation / 360 test; y = (x + u) / 17; test bits/dim averaged over 10
noise draws, for the weights with the best validation bits/dim.

Dropout 0.3 in the s/t networks is this script's default (the digits
overfit within a minute without it; 0 is the paper's model).

    python benchmarks/digits_bpd.py --seconds 300 --out runs/digits_bench

The grid of 64 samples is copied to `--png` (the README shows it).
"""

import argparse
import json
import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tfp_realnvp import job  # noqa: E402

import figures  # noqa: E402  (benchmarks/figures.py)


def main():
  p = argparse.ArgumentParser()
  p.add_argument("--seconds", type=float, default=300.)
  p.add_argument("--batch_size", type=int, default=64)
  p.add_argument("--learning_rate", type=float, default=1e-3)
  p.add_argument("--num_scales", type=int, default=None)
  p.add_argument("--num_res_blocks", type=int, default=None)
  p.add_argument("--num_filters", type=int, default=None)
  p.add_argument("--l2", type=float, default=5e-5)
  p.add_argument("--dropout", type=float, default=0.3)
  p.add_argument("--lr_plateau", type=int, default=None)
  figures.add_png_flag(p, "digits_5min_samples.png")
  p.add_argument("--out", default="runs/digits_bench")
  args = p.parse_args()
  shutil.rmtree(args.out, ignore_errors=True)  # a fresh run, not a resume
  config = job.JobConfig(
      dataset="digits", time_limit=args.seconds, epochs=100000,
      batch_size=args.batch_size, learning_rate=args.learning_rate,
      num_scales=args.num_scales, num_res_blocks=args.num_res_blocks,
      num_filters=args.num_filters, l2=args.l2, dropout=args.dropout,
      lr_plateau=args.lr_plateau,
      validation_draws=4, sample_every=10 ** 6,
      model_dir=args.out)
  results = job.run_train(config)
  results["config"] = {k: v for k, v in vars(config).items() if v is not None}
  figures.keep_png(results, args.png)
  print(json.dumps(results, indent=1))


if __name__ == "__main__":
  main()
