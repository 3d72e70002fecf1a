"""Digits test bits/dim after a fixed wall-clock budget of `fit` (issue 3).

Convention (tfp_realnvp.data): RandomState(0) permutation, 1293 train /
144 validation / 360 test; y = (x + u) / 17; test bits/dim averaged over 10
noise draws, for the weights with the best validation bits/dim.

    python benchmarks/digits_bpd.py --seconds 300 --out runs/digits_bench
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import tfp_realnvp  # noqa: E402
from tfp_realnvp import data, images, training  # noqa: E402


def main():
  p = argparse.ArgumentParser()
  p.add_argument("--seconds", type=float, default=300.)
  p.add_argument("--batch_size", type=int, default=64)
  p.add_argument("--learning_rate", type=float, default=1e-3)
  p.add_argument("--num_scales", type=int, default=None)
  p.add_argument("--num_res_blocks", type=int, default=None)
  p.add_argument("--num_filters", type=int, default=None)
  p.add_argument("--ema", type=float, default=0.,
                 help="Polyak averaging momentum of the weights (0 = off); "
                 "validation, selection and test use the averaged weights")
  p.add_argument("--out", default="runs/digits_bench")
  args = p.parse_args()
  keras.utils.set_random_seed(0)
  os.makedirs(args.out, exist_ok=True)

  train_x, _ = data.load_digits("train")
  val_x, _ = data.load_digits("validation")
  test_x, _ = data.load_digits("test")
  model = tfp_realnvp.RealNVP.from_preset(
      "digits", num_scales=args.num_scales, num_res_blocks=args.num_res_blocks,
      num_filters=args.num_filters)
  model.compile(optimizer=training.adam(args.learning_rate, ema=args.ema))
  start = time.monotonic()
  history = model.fit(
      training.image_dataset(train_x, batch_size=args.batch_size,
                             shuffle=True),
      validation_data=training.image_dataset(val_x, batch_size=256, repeat=4),
      epochs=100000, verbose=2, shuffle=False,
      callbacks=training.selection_callbacks(args.seconds, ema=args.ema))
  fit_seconds = time.monotonic() - start
  val_curve = history.history["val_bits_per_dim"]
  test_bpd = training.evaluate_bits_per_dim(model, test_x, num_draws=10)
  samples = model.sample(64, seed=0).numpy()
  png = os.path.join(args.out, "samples.png")
  images.write_png_grid(samples, png)
  result = {
      "test_bits_per_dim": test_bpd,
      "best_val_bits_per_dim": float(np.min(val_curve)),
      "best_epoch": int(np.argmin(val_curve)) + 1,
      "epochs": len(val_curve), "fit_seconds": fit_seconds,
      "parameters": int(model.count_params()),
      "trainable_parameters": int(sum(np.prod(w.shape)
                                      for w in model.trainable_weights)),
      "config": model.get_config(), "samples_png": png,
      "batch_size": args.batch_size, "learning_rate": args.learning_rate,
      "ema": args.ema,
  }
  with open(os.path.join(args.out, "result.json"), "w") as f:
    json.dump(result, f, indent=1)
  print(json.dumps({k: v for k, v in result.items() if k != "config"},
                   indent=1))


if __name__ == "__main__":
  main()
