"""NeuTra-style HMC: a trained vector Real NVP preconditions HMC on a banana.

The banana target: x1 ~ N(0, 2^2), x2 | x1 ~ N(x1^2 / 4 - 1, 1). Its exact
mean is (0, 0). A `VectorRealNVP` is fitted by maximum likelihood to exact
samples of the target; then `tfp.mcmc.TransformedTransitionKernel` runs HMC
in the flow's latent space, where the target is close to a standard Normal,
with `model.bijector` (latent -> data) as its bijector (Hoffman et al. 2019,
"NeuTra-lizing bad geometry in HMC").

    python -m tfp_realnvp.examples.neutra_hmc
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_probability as tfp  # noqa: E402

from tfp_realnvp import VectorRealNVP  # noqa: E402

tfd = tfp.distributions


def banana_log_prob(x):
  x1, x2 = x[..., 0], x[..., 1]
  return (tfd.Normal(0., 2.).log_prob(x1) +
          tfd.Normal(x1 ** 2 / 4. - 1., 1.).log_prob(x2))


def banana_samples(n, seed=0):
  rng = np.random.RandomState(seed)
  x1 = 2. * rng.normal(size=n)
  x2 = x1 ** 2 / 4. - 1. + rng.normal(size=n)
  return np.stack([x1, x2], 1).astype(np.float32)


def train_flow(epochs=30, num_samples=4096, seed=0):
  keras.utils.set_random_seed(seed)
  model = VectorRealNVP(2, num_couplings=6, hidden_units=64)
  model.compile(optimizer=keras.optimizers.Adam(3e-3))
  model.fit(banana_samples(num_samples, seed), batch_size=256, epochs=epochs,
            verbose=0)
  return model


def neutra_hmc(model, num_results=500, num_burnin=200, num_chains=8,
               step_size=0.5, num_leapfrog_steps=4, seed=1):
  """HMC in the flow's latent space; returns (samples (R, chains, 2), acceptance)."""
  kernel = tfp.mcmc.TransformedTransitionKernel(
      tfp.mcmc.HamiltonianMonteCarlo(banana_log_prob, step_size=step_size,
                                     num_leapfrog_steps=num_leapfrog_steps),
      bijector=model.bijector)

  @tf.function(jit_compile=True)
  def run(init):
    return tfp.mcmc.sample_chain(
        num_results, init, kernel=kernel, num_burnin_steps=num_burnin,
        trace_fn=lambda _, r: r.inner_results.is_accepted, seed=(seed, 0))

  init = model.sample(num_chains, seed=seed)
  samples, accepted = run(init)
  return samples.numpy(), float(np.mean(accepted.numpy()))


def main():
  model = train_flow()
  samples, acceptance = neutra_hmc(model)
  flat = samples.reshape(-1, 2)
  ess = tfp.mcmc.effective_sample_size(samples).numpy().sum(0)
  print(f"acceptance {acceptance:.3f}; mean {flat.mean(0)} (exact [0, 0]); "
        f"effective sample size {ess} of {flat.shape[0]}")


if __name__ == "__main__":
  main()
