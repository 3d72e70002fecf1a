"""Digits test bits/dim after a fixed wall-clock budget of `fit`.

The training job itself, with the job's own flags (`tfp_realnvp/job/
config.py`) and this benchmark's defaults: a 300 s `--time_limit`,
validation over 4 dequantization draws per epoch, dropout 0.3 in the s/t
networks (the digits overfit within a minute without it; 0 is the paper's
model). Convention (`tfp_realnvp/data/digits.py`): RandomState(0)
permutation, 1293 train / 144 validation / 360 test; y = (x + u) / 17; test
bits/dim averaged over 10 noise draws, for the weights with the best
validation bits/dim.

    python benchmarks/digits_bpd.py --time_limit=300 --model_dir=runs/digits_bench

The model_dir is emptied first (a fresh run, not a resume); the grid of 64
samples is copied to `--png` (the README shows it).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import app  # noqa: E402

import fresh_job  # noqa: E402  (benchmarks/fresh_job.py)

fresh_job.define_flags("digits_5min_samples.png", time_limit=300.,
                       epochs=100000, dropout=0.3, validation_draws=4,
                       sample_every=10 ** 6, model_dir="runs/digits_bench")

if __name__ == "__main__":
  app.run(fresh_job.main)
