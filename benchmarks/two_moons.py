"""Two moons with the vector Real NVP: a PNG of its density and its samples.

    python benchmarks/two_moons.py --out runs/two_moons
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfp_realnvp import VectorRealNVP, data  # noqa: E402

EXTENT = (-1.5, 2.5, -1.0, 1.5)  # x min, x max, y min, y max


def _to_image(values):
  values = values / max(values.max(), 1e-12)
  return (np.clip(values, 0., 1.) * 255).astype(np.uint8)[::-1]  # y up


def main():
  p = argparse.ArgumentParser()
  p.add_argument("--epochs", type=int, default=60)
  p.add_argument("--out", default="runs/two_moons")
  args = p.parse_args()
  keras.utils.set_random_seed(0)
  os.makedirs(args.out, exist_ok=True)
  train, test = data.two_moons(8192, seed=0), data.two_moons(2048, seed=1)
  model = VectorRealNVP(2, num_couplings=8, hidden_units=64)
  model.compile(optimizer=keras.optimizers.Adam(2e-3))
  model.fit(train, batch_size=256, epochs=args.epochs, verbose=2)
  test_nll = float(np.mean(model.predict(test, verbose=0)))

  size = 256
  xs = np.linspace(EXTENT[0], EXTENT[1], size)
  ys = np.linspace(EXTENT[2], EXTENT[3], size)
  grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2).astype(np.float32)
  density = np.exp(model.log_prob(grid).numpy()).reshape(size, size)
  samples = model.sample(20000, seed=0).numpy()
  hist, _, _ = np.histogram2d(samples[:, 1], samples[:, 0], bins=size,
                              range=[EXTENT[2:], EXTENT[:2]])
  panel = np.concatenate([_to_image(density),
                          np.full((size, 4), 255, np.uint8),
                          _to_image(np.sqrt(hist))], axis=1)
  path = os.path.join(args.out, "two_moons.png")
  tf.io.write_file(path, tf.io.encode_png(panel[..., None]))
  print(f"test NLL {test_nll:.3f} nats; density (left) and samples (right): "
        f"{path}")


if __name__ == "__main__":
  main()
