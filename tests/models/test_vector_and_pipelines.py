"""The vector Real NVP and its use from TFP pipelines (MCMC, tf.data)."""

import numpy as np
import tensorflow as tf

from realnvp_testing import assert_encoder_exact
from realnvp_testing import perturb_flow_model
from tfp_realnvp import RealNVP
from tfp_realnvp import VectorRealNVP
from tfp_realnvp import data
from tfp_realnvp.examples import neutra_hmc
from tfp_realnvp.examples import tfdata_log_prob


def test_vector_model_log_det_exact_and_round_trip():
  model = VectorRealNVP(3, num_couplings=4, hidden_units=8, dtype="float64")
  perturb_flow_model(model)
  x = tf.constant(np.random.RandomState(0).normal(size=(5, 3)))
  assert_encoder_exact(model.bijector.bijector, x, 1)


def test_two_moons_fit_lowers_nll():
  points = data.two_moons(2048)
  model = VectorRealNVP(2, num_couplings=4, hidden_units=32)
  model.compile()
  before = float(np.mean(model.predict(points, verbose=0)))
  model.fit(points, batch_size=256, epochs=25, verbose=0)
  after = float(np.mean(model.predict(points, verbose=0)))
  assert after < before - 0.8, (before, after)


def test_neutra_hmc_with_the_trained_flow_as_bijector():
  model = neutra_hmc.train_flow(epochs=15, num_samples=2048)
  samples, acceptance = neutra_hmc.neutra_hmc(model, num_results=300,
                                              num_burnin=100, num_chains=8)
  assert samples.shape == (300, 8, 2)
  assert np.all(np.isfinite(samples))
  assert 0.3 < acceptance <= 1.0
  np.testing.assert_allclose(samples.reshape(-1, 2).mean(0), [0., 0.],
                             atol=0.5)
  # The chains explore the banana's curved tails, not just its centre.
  assert samples[..., 0].std() > 1.2


def test_log_prob_maps_over_a_tf_data_pipeline():
  model = RealNVP(image_shape=(8, 8, 1), num_scales=2, num_res_blocks=1,
                  num_filters=4, num_levels=17)
  test_x, _ = data.load_digits("test")
  rows = list(tfdata_log_prob.scored_dataset(model, test_x[:100],
                                             batch_size=32))
  assert [len(r[0]) for r in rows] == [32, 32, 32, 4]  # no dropped remainder
  batch, log_prob, bpd = rows[1]
  noise = tf.random.stateless_uniform(tf.shape(batch), [0, 1])
  eager = model.log_prob((tf.cast(batch, tf.float32) + noise) / 17.)
  np.testing.assert_allclose(log_prob, eager, rtol=1e-5)
  assert np.all(np.isfinite(bpd))
