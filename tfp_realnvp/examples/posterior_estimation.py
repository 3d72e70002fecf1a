"""Neural posterior estimation with a conditional Real NVP, on a known answer.

The simulator is sbibm's `gaussian_linear` task (Lueckmann et al. 2021,
"Benchmarking simulation-based inference") in `num_dims` dimensions:

    theta ~ N(0, 0.1 I),   x | theta ~ N(theta, 0.1 I)
    =>  p(theta | x) = N(x / 2, 0.05 I)          (precision 10 + 10 = 20)

A `VectorRealNVP(num_features=D, condition_shape=(D,))` is fitted to
simulated pairs as the density p(theta | x) (`fit` on {"x": theta,
"condition": x}); at held-out pairs its mean log-density is compared with
the exact posterior's, and at held-out observations its samples' mean and
covariance with x / 2 and 0.05 I. The best model that ignores x is the
prior, 0.5 log 2 = 0.35 nats per dimension below the posterior.

    python -m tfp_realnvp.examples.posterior_estimation [PNG]

prints the figures and writes a PNG: left the exact posterior density of
(theta_0, theta_1) at one observation, right a histogram of the flow's
samples there.
"""

import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from tfp_realnvp import VectorRealNVP  # noqa: E402
from tfp_realnvp import figures  # noqa: E402

PRIOR_VAR, NOISE_VAR = 0.1, 0.1
POSTERIOR_VAR = 1. / (1. / PRIOR_VAR + 1. / NOISE_VAR)       # 0.05


def simulate(n, num_dims, seed):
  """(theta, x): n draws of the prior and the simulator."""
  rng = np.random.RandomState(seed)
  theta = rng.normal(scale=math.sqrt(PRIOR_VAR), size=(n, num_dims))
  x = theta + rng.normal(scale=math.sqrt(NOISE_VAR), size=(n, num_dims))
  return theta.astype(np.float32), x.astype(np.float32)


def posterior_mean(x):
  return x * POSTERIOR_VAR / NOISE_VAR                          # x / 2


def gaussian_log_prob(theta, mean, variance):
  """log N(theta; mean, variance I), summed over the last axis."""
  return np.sum(-0.5 * (theta - mean) ** 2 / variance
                - 0.5 * np.log(2 * np.pi * variance), axis=-1)


def fit_posterior(num_dims=3, num_pairs=20000, epochs=30, seed=0):
  """A `VectorRealNVP` p(theta | x) fitted to simulated pairs."""
  keras.utils.set_random_seed(seed)
  theta, x = simulate(num_pairs, num_dims, seed)
  model = VectorRealNVP(num_features=num_dims, condition_shape=(num_dims,),
                        num_couplings=6, hidden_units=64)
  model.compile(optimizer=keras.optimizers.Adam(2e-3))
  model.fit({"x": theta, "condition": x}, batch_size=256, epochs=epochs,
            verbose=0)
  return model


def compare(model, num_dims=3, num_held_out=5000, num_observations=5,
            num_samples=4000, seed=1):
  """The known-answer figures: mean log-densities in nats at held-out pairs
  (the flow's, the exact posterior's, the prior's), and at held-out
  observations the largest errors of the flow's posterior mean and
  covariance (from `num_samples` samples each)."""
  theta, x = simulate(num_held_out, num_dims, seed)
  out = {
      "flow_nats": float(np.mean(model.log_prob(theta, condition=x))),
      "exact_nats": float(np.mean(gaussian_log_prob(
          theta, posterior_mean(x), POSTERIOR_VAR))),
      "prior_nats": float(np.mean(gaussian_log_prob(theta, 0., PRIOR_VAR))),
  }
  mean_errors, cov_errors = [], []
  for i in range(num_observations):
    draws = model.sample(num_samples, seed=seed + i, condition=x[i]).numpy()
    mean_errors.append(np.abs(draws.mean(0) - posterior_mean(x[i])).max())
    cov_errors.append(np.abs(np.cov(draws.T) -
                             POSTERIOR_VAR * np.eye(num_dims)).max())
  out.update(mean_max_error=float(max(mean_errors)),
             cov_max_error=float(max(cov_errors)),
             posterior_std=math.sqrt(POSTERIOR_VAR))
  return out


def figure(model, num_dims=3, seed=2, num_samples=20000):
  """uint8 image: exact p(theta_0, theta_1 | x_o) (left), the flow's samples
  at x_o (right), on the same axes."""
  _, x = simulate(1, num_dims, seed)
  centre = posterior_mean(x[0])[:2]
  half = 4 * math.sqrt(POSTERIOR_VAR)
  extent = (centre[0] - half, centre[0] + half, centre[1] - half,
            centre[1] + half)
  draws = model.sample(num_samples, seed=seed, condition=x[0]).numpy()
  return figures.density_and_samples(
      lambda p: gaussian_log_prob(p, centre, POSTERIOR_VAR), draws[:, :2],
      extent)


def main(argv):
  model = fit_posterior()
  for key, value in compare(model).items():
    print(f"{key}: {value:.4f}")
  png = argv[1] if len(argv) > 1 else "posterior_estimation.png"
  print("wrote", figures.write_png(figure(model), png))


if __name__ == "__main__":
  main(sys.argv)
