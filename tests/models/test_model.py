"""The multi-scale model: exactness, sampling, training on real data, errors."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from realnvp_testing import assert_encoder_exact
from realnvp_testing import max_rel_err
from realnvp_testing import perturb_flow_model
from tfp_realnvp import RealNVP
from tfp_realnvp import data
from tfp_realnvp.data import pipeline
from tfp_realnvp.bijectors import multiscale
from tfp_realnvp.models import scoring

tfd = tfp.distributions

# TINY_IMAGE's architecture with 256 levels (the default).
TINY_IMAGE_256 = dict(image_shape=(4, 4, 1), num_scales=2, num_res_blocks=1,
                      num_filters=4)


def _encoder(model):
  return model.bijector.bijector  # data -> latent chain


def _set_batch_norms_to_identity(model):
  for stats in model.batch_norm_statistics:
    stats.moving_mean.assign(tf.zeros_like(stats.moving_mean))
    stats.moving_variance.assign(tf.fill(stats.moving_variance.shape, 1. - 1e-4))




def test_identity_initialised_model_is_normal_in_logit_space():
  model = RealNVP(**TINY_IMAGE_256)
  _set_batch_norms_to_identity(model)
  x = tf.random.uniform((5, 4, 4, 1), 0.01, 0.99, seed=1)
  p = 0.05 + 0.9 * x
  logits = tf.math.log(p) - tf.math.log(1. - p)
  logit_log_det = tf.reduce_sum(tf.math.log(0.9 / (p * (1. - p))), [1, 2, 3])
  expected = tf.reduce_sum(tfd.Normal(0., 1.).log_prob(logits), [1, 2, 3]) + \
      logit_log_det
  np.testing.assert_allclose(model.log_prob(x), expected, rtol=1e-5)
  np.testing.assert_allclose(model.distribution.log_prob(x), expected, rtol=1e-5)


@pytest.mark.versions
def test_whole_model_log_det_matches_brute_force_jacobian_float64():
  model = RealNVP(**TINY_IMAGE_256, dtype="float64")
  assert model.flow_dtype == tf.float64
  perturb_flow_model(model)
  encoder = _encoder(model)
  x = tf.constant(np.random.RandomState(0).uniform(0.05, 0.95, (3, 4, 4, 1)))
  z, brute = assert_encoder_exact(encoder, x, 3)
  # ... and the distribution's log_prob is the change of variables.
  lp = model.distribution.log_prob(tf.identity(x))
  base = tf.reduce_sum(tfd.Normal(np.float64(0), 1.).log_prob(z), [1, 2, 3])
  np.testing.assert_allclose(lp, base + brute, rtol=1e-9)


def test_three_scale_model_round_trips_and_has_exact_log_det():
  model = RealNVP(image_shape=(8, 8, 2), num_scales=3, num_res_blocks=1,
                  num_filters=4, dtype="float64")
  perturb_flow_model(model, seed=1)
  encoder = _encoder(model)
  x = tf.constant(np.random.RandomState(2).uniform(0.05, 0.95, (2, 8, 8, 2)))
  assert_encoder_exact(encoder, x, 3)


@pytest.mark.versions
def test_sample_log_prob_finite_and_latent_round_trip():
  model = RealNVP(**TINY_IMAGE_256)
  perturb_flow_model(model)
  samples = model.sample(16, seed=3)
  assert samples.shape == (16, 4, 4, 1)
  assert np.all((samples.numpy() >= 0.) & (samples.numpy() <= 1.))
  assert np.all(np.isfinite(model.log_prob(samples)))
  z = model.sample_latent(8, seed=4)
  z_back = model.encode(tf.identity(model.decode(z)))
  np.testing.assert_allclose(z_back, z, rtol=1e-4, atol=1e-4)
  # Temperature scales the latent.
  np.testing.assert_allclose(model.sample_latent(8, 0.5, seed=4), 0.5 * z)


def test_bits_per_dim_formula():
  model = RealNVP(**TINY_IMAGE_256, num_levels=17)
  pixels = np.random.RandomState(0).randint(0, 17, (6, 4, 4, 1))
  bpd = model.bits_per_dim(pixels, seed=5)
  noise = tf.random.stateless_uniform(pixels.shape, [5, 1])
  lp = model.log_prob((pixels + noise) / 17.)
  np.testing.assert_allclose(bpd, -lp / (16 * math.log(2.)) + math.log2(17.),
                             rtol=1e-5)


def test_l2_penalty_covers_gains_and_checkerboard_scales_only():
  model = RealNVP(**TINY_IMAGE_256)
  names = {w.name for w in model.trainable_weights}
  assert {"magnitude", "rescaling_scale", "scale", "kernel"} <= names
  expected = sum(float(tf.reduce_sum(tf.square(w))) for w in
                 model.trainable_weights
                 if w.name in ("magnitude", "rescaling_scale"))
  np.testing.assert_allclose(model.l2_penalty(), expected, rtol=1e-5)


def test_presets_build_with_expected_shapes():
  shapes = multiscale.scale_shapes((32, 32, 3), 4)
  assert shapes == [(32, 32, 3), (16, 16, 6), (8, 8, 12), (4, 4, 24)]
  assert multiscale.scale_shapes((64, 64, 3), 5)[-1] == (4, 4, 48)


def test_class_conditional_model():
  model = RealNVP(**TINY_IMAGE_256, num_classes=3)
  perturb_flow_model(model)
  x = tf.random.uniform((4, 4, 4, 1), 0.05, 0.95, seed=2)
  lp0 = model.log_prob(x, label=[0, 0, 0, 0])
  lp2 = model.log_prob(x, label=[2, 2, 2, 2])
  assert max_rel_err(lp0, lp2) > 1e-3
  assert model.sample(3, label=1, seed=0).shape == (3, 4, 4, 1)
  with pytest.raises(ValueError, match="class-conditional"):
    model.log_prob(x)


@pytest.mark.versions
def test_fit_on_digits_lowers_test_bits_per_dim_and_changes_every_network():
  keras.utils.set_random_seed(0)
  train_x, _ = data.load_digits("train")
  test_x, _ = data.load_digits("test")
  model = RealNVP.from_preset("digits", num_res_blocks=1, num_filters=8)
  before_weights = {id(w): w.numpy().copy() for w in model.trainable_weights}
  before = scoring.mean_score(model, test_x, num_draws=2)
  model.compile()
  history = model.fit(pipeline.in_memory(train_x, batch_size=64,
                                          shuffle=True),
                      epochs=6, verbose=0)
  after = scoring.mean_score(model, test_x, num_draws=2)
  assert "bits_per_dim" in history.history
  assert after < before - 0.8, (before, after)
  for net in model.coupling_networks:
    changed = [not np.allclose(before_weights[id(w)], w.numpy())
               for w in net.trainable_weights]
    assert all(changed), net.name
  for stats in model.batch_norm_statistics:  # moving averages were updated
    assert np.any(stats.moving_mean.numpy() != 0.)


def test_the_seed_sets_the_dequantization_noise():
  pixels = tf.constant(np.random.RandomState(0).randint(0, 256, (8, 4, 4, 1)))
  first, same, other = (RealNVP(**TINY_IMAGE_256, seed=s) for s in (1, 1, 2))
  for model in (same, other):  # equal weights: only the noise may differ
    model.set_weights(first.get_weights())
  bits = [m(pixels, training=False).numpy() for m in (first, same, other)]
  np.testing.assert_array_equal(bits[0], bits[1])
  assert np.abs(bits[0] - bits[2]).max() > 1e-4
  # seed=None: drawn from Keras' global seed, so set_random_seed repeats it.
  unseeded = []
  for _ in range(2):
    keras.utils.set_random_seed(7)
    unseeded.append(RealNVP(**TINY_IMAGE_256)(pixels, training=False).numpy())
  np.testing.assert_array_equal(unseeded[0], unseeded[1])


@pytest.mark.parametrize("dropout", [0., 0.5])
def test_dropout_acts_under_fit_only(dropout):
  model = RealNVP(**TINY_IMAGE_256, dropout=dropout)
  perturb_flow_model(model)
  pixels = tf.constant(np.random.RandomState(0).randint(0, 256, (8, 4, 4, 1)))
  start = tf.identity(model._noise_seed.state)

  def bits(training):  # the same dequantization noise every call
    model._noise_seed.state.assign(start)
    return model(pixels, training=training).numpy()

  np.testing.assert_array_equal(bits(False), bits(False))
  if dropout:
    assert np.abs(bits(True) - bits(True)).max() > 1e-4
  else:
    np.testing.assert_array_equal(bits(True), bits(True))
