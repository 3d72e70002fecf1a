"""A Real NVP's log_prob as a step of a tf.data pipeline.

`Dataset.map` traces its function into a graph (a `tf.function`), so this is
how a TF pipeline scores data with a trained flow: here, bits/dim of the
bundled digits' test split, batch by batch, without leaving the pipeline.

    python -m tfp_realnvp.examples.tfdata_log_prob
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfp_realnvp import RealNVP  # noqa: E402
from tfp_realnvp import bits  # noqa: E402
from tfp_realnvp import data  # noqa: E402


def scored_dataset(model, pixels, batch_size=64, seed=0):
  """(pixels, log p(y), bits/dim) for every image, y the dequantized pixels."""
  levels = model.num_levels

  def score(batch, index):
    noise = tf.random.stateless_uniform(tf.shape(batch), [seed, index])
    log_prob = model.log_prob(bits.dequantize(batch, levels, noise))
    return batch, log_prob, bits.bits_per_dim(log_prob, model.num_dims, levels)

  ds = tf.data.Dataset.from_tensor_slices(pixels).batch(batch_size)
  ds = ds.enumerate().map(lambda i, b: score(b, i),
                          num_parallel_calls=tf.data.AUTOTUNE)
  return ds.prefetch(tf.data.AUTOTUNE)


def main():
  model = RealNVP.from_preset("digits")
  test_x, _ = data.load_digits("test")
  bpd = np.concatenate([b.numpy() for _, _, b in scored_dataset(model, test_x)])
  print(f"untrained digits model: {bpd.mean():.3f} bits/dim over {len(bpd)} "
        "test images")


if __name__ == "__main__":
  main()
