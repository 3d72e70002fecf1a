"""The figures of a model a person looks at (`tfp_realnvp.figures` lays them out).

    sample_figure(model, n, temperature, seed, conditions)  uint8 (H, W,
        C): for images a grid of samples (a class-conditional model: one
        row per class; a model with a `condition_shape`: one row per row of
        `conditions`), for vectors the density of the first two features
        and a histogram of samples
    extra_figures(model, seed, conditions)      {file stem: uint8 image}: for
        images the paper's manifold figure (section 5)

A model with a `condition_shape` needs `conditions`, (M,) + that shape.
"""

import numpy as np
import tensorflow as tf

from tfp_realnvp import figures

__all__ = ["sample_figure", "extra_figures", "latent_manifold"]


def _checked_conditions(model, conditions):
  if model.condition_shape is None:
    return None
  if conditions is None or not len(conditions):
    raise ValueError("A model with a condition_shape draws its figures for "
                     "given conditions: pass `conditions`.")
  return np.asarray(conditions, np.float32)


def sample_figure(model, num_samples, temperature=1.0, seed=0,
                  conditions=None):
  """The picture of the model: see the module docstring."""
  conditions = _checked_conditions(model, conditions)
  if not model.kind.images:
    return _density_figure(model, num_samples, temperature, seed, conditions)
  if conditions is not None:
    per_row = max(1, num_samples // len(conditions))
    return figures.grid(model.sample(
        per_row * len(conditions), temperature, seed=seed,
        condition=np.repeat(conditions, per_row, axis=0),
        label=None if model.num_classes is None else
        np.zeros(per_row * len(conditions), np.int32)).numpy(),
                        columns=per_row)
  if model.num_classes is None:
    return figures.grid(model.sample(num_samples, temperature,
                                     seed=seed).numpy())
  per_class = max(1, num_samples // model.num_classes)
  labels = np.repeat(np.arange(model.num_classes, dtype=np.int32), per_class)
  return figures.grid(model.sample(len(labels), temperature, seed=seed,
                                   label=labels).numpy(), columns=per_class)


def _density_figure(model, num_samples, temperature, seed, conditions):
  """The density of the first two features (left, for 2-D data only) and
  a histogram of at least 20000 samples (right), over the samples' range;
  a conditional model's at its first condition."""
  condition = None if conditions is None else conditions[0]
  samples = model.sample(max(num_samples, 20000), temperature, seed=seed,
                         condition=condition).numpy()[:, :2]
  low, high = np.percentile(samples, [0.5, 99.5], axis=0)
  margin = 0.15 * (high - low)
  extent = (low[0] - margin[0], high[0] + margin[0],
            low[1] - margin[1], high[1] + margin[1])
  log_prob = (lambda p: model.log_prob(p, condition=condition).numpy()) if (
      model.num_features == 2) else None
  return figures.density_and_samples(log_prob, samples, extent)


def extra_figures(model, seed=0, conditions=None):
  """Further figures of `--mode=sample`: {file stem: uint8 image}."""
  conditions = _checked_conditions(model, conditions)
  if model.kind.images:
    return {"manifold": figures.grid(latent_manifold(
        model, seed, None if conditions is None else conditions[0]),
                                     columns=8)}
  return {}


def latent_manifold(model, seed=0, condition=None, size=8):
  """Decodes z(u, v) = cos(u) (cos(v) z1 + sin(v) z2) + sin(u) (cos(v) z3 +
  sin(v) z4), u, v in [0, pi/2] on a `size` x `size` grid: four latents at
  the corners, the Normal's norm kept in between. Images (size**2, H, W, C);
  a class-conditional model's of its first class, a conditional one's at
  `condition`."""
  z = model.sample_latent(4, seed=seed)
  angles = np.linspace(0., np.pi / 2., size)
  u, v = np.meshgrid(angles, angles, indexing="ij")
  u, v = u.reshape(-1, 1, 1, 1), v.reshape(-1, 1, 1, 1)
  grid = (np.cos(u) * (np.cos(v) * z[0] + np.sin(v) * z[1]) +
          np.sin(u) * (np.cos(v) * z[2] + np.sin(v) * z[3]))
  labels = (None if model.num_classes is None else
            np.zeros(len(grid), np.int32))
  return tf.clip_by_value(model.decode(tf.constant(grid, model.flow_dtype),
                                       labels, condition), 0., 1.).numpy()
