"""Two moons with the vector Real NVP: a PNG of its density and its samples.

The training job itself on the `moons` data set (`flags/moons.flags`).

    python benchmarks/two_moons.py --epochs 40 --out runs/two_moons

The figure is copied to `--png` (the README shows it).
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
  p.add_argument("--epochs", type=int, default=40)
  figures.add_png_flag(p, "two_moons.png")
  p.add_argument("--out", default="runs/two_moons")
  args = p.parse_args()
  shutil.rmtree(args.out, ignore_errors=True)
  results = job.run_train(job.JobConfig(
      dataset="moons", epochs=args.epochs, batch_size=256, time_limit=None,
      learning_rate=2e-3, sample_every=10 ** 6, eval_draws=1,
      model_dir=args.out))
  figures.keep_png(results, args.png)
  print(json.dumps(results, indent=1))


if __name__ == "__main__":
  main()
