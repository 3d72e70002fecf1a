"""Likelihood as an out-of-distribution score, and its known caveat.

Scores sets of 8x8 images with a trained digits model, through the job
itself (`train.py --mode=score`, one CSV each), and draws the bits/dim of
the first three as overlaid histograms (`--png`):

    blue   the test digits (in distribution)
    red    the test digits upside down (out of distribution, digit-like)
    green  blank frames (every pixel 0)
           uniform noise over the 17 levels: printed, not drawn (its scores
           lie an order of magnitude higher and would squeeze the axis)

Noise and upside-down digits score worse than digits, as one would hope.
Blank frames score *better* than the digits although no digit looks like
them: a flow's likelihood favours low-complexity inputs (Nalisnick et al.,
"Do deep generative models know what they don't know?", ICLR 2019), so a
low bits/dim alone does not mean "in distribution".

    python benchmarks/ood_histogram.py --model_dir=runs/digits_bench
"""

import csv
import os
import subprocess
import sys
import tempfile

import numpy as np
from absl import app
from absl import flags

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tfp_realnvp import figures  # noqa: E402
from tfp_realnvp.data import load_digits  # noqa: E402

flags.DEFINE_string("model_dir", "runs/digits_bench",
                    "A trained digits run (its flags.txt is reused).")
flags.DEFINE_string("png", os.path.join(ROOT, "benchmarks", "results",
                                        "digits_ood_histogram.png"),
                    "Where to write the figure.")
flags.DEFINE_integer("importance_samples", None,
                     "Also score with this many importance samples.")
FLAGS = flags.FLAGS


def image_sets(n=360, seed=0):
  """{name: uint8 (n, 8, 8) images in 0..16}."""
  rng = np.random.RandomState(seed)
  digits = load_digits("test")[0][:n, ..., 0].astype(np.uint8)
  return {"test digits": digits,
          "upside-down test digits": digits[:, ::-1].copy(),
          "blank frames": np.zeros((n, 8, 8), np.uint8),
          "uniform noise": rng.randint(0, 17, (n, 8, 8)).astype(np.uint8)}

DRAWN = 3  # the first three sets; noise is printed only


def score(model_dir, images, folder, name):
  """bits/dim per image, from `train.py --mode=score`."""
  array = os.path.join(folder, name.replace(" ", "_").replace(",", "") + ".npy")
  np.save(array, images)
  out = os.path.join(folder, os.path.basename(array) + ".csv")
  command = [sys.executable, os.path.join(ROOT, "train.py"),
             f"--flagfile={os.path.join(model_dir, 'flags.txt')}",
             "--mode=score", f"--input={array}", f"--output={out}",
             f"--model_dir={model_dir}"]
  if FLAGS.importance_samples:
    command.append(f"--importance_samples={FLAGS.importance_samples}")
  subprocess.run(command, check=True, cwd=ROOT,
                 env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
  with open(out) as f:
    return np.array([float(row["bits_per_dim"]) for row in csv.DictReader(f)])


def main(argv):
  del argv
  sets = image_sets()
  with tempfile.TemporaryDirectory() as folder:
    scores = {name: score(FLAGS.model_dir, images, folder, name)
              for name, images in sets.items()}
  for i, (name, values) in enumerate(scores.items()):
    colour = f"rgb{figures.COLOURS[i]}" if i < DRAWN else "(not drawn)"
    print(f"{name:24s} {colour:18s}: mean {values.mean():.3f} bits/dim, "
          f"5-95% [{np.percentile(values, 5):.2f}, "
          f"{np.percentile(values, 95):.2f}]")
  drawn = list(scores.values())[:DRAWN]
  low = np.floor(min(v.min() for v in drawn))
  high = np.ceil(max(np.percentile(v, 99) for v in drawn))
  figures.write_png(figures.histograms(drawn, bins=60,
                                       value_range=(low, high)),
                    FLAGS.png, upscale=1)
  print(f"Wrote {FLAGS.png} (bits/dim from {low:g} to {high:g}).")


if __name__ == "__main__":
  app.run(main)
