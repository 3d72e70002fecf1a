"""Dequantization and the bounds of `bits.py`: the variational q(u | x), its
exact log-density, and the 1-sample and importance-weighted bounds against a
discrete likelihood computed exactly."""

import math

import numpy as np
import pytest
import tensorflow as tf
from scipy import special

from realnvp_testing import brute_force_log_det
from realnvp_testing import max_rel_err
from realnvp_testing import perturb
from realnvp_testing import report
from tfp_realnvp import RealNVP
from tfp_realnvp import bits
from tfp_realnvp.models import dequantization
from tfp_realnvp.models import scoring


def _pixels(shape, levels, seed=0):
  return tf.constant(np.random.RandomState(seed).randint(0, levels, shape),
                     tf.int32)


def _variational(shape=(4, 4, 1), levels=5, dtype="float64"):
  q = dequantization.VariationalDequantizer(shape, levels, num_filters=8,
                                            dtype=dtype)
  pixels = _pixels((3,) + shape, levels)
  q.sample_and_log_prob(pixels, tf.constant([0, 0]), dtype=dtype)  # builds
  perturb(q)  # away from the identity couplings of the initialisation
  return q, pixels


def test_q_log_det_matches_brute_force_jacobian():
  q, pixels = _variational()
  kwargs = q.flow_kwargs(q.context(pixels))
  eps = tf.constant(np.random.RandomState(1).normal(size=pixels.shape))
  fldj = q.flow.forward_log_det_jacobian(eps, event_ndims=3, **kwargs)
  brute = brute_force_log_det(lambda e: q.flow.forward(e, **kwargs), eps, 3)
  err = max_rel_err(fldj, brute)
  report("variational q: log-det rel. error vs brute-force Jacobian",
         f"{err:.1e}")
  assert err <= 1e-6, (fldj, brute)
  # Not vacuous: the couplings and the sigmoid are far from volume preserving.
  assert np.min(np.abs(fldj)) > 1.


def test_q_log_prob_from_the_inverse_equals_the_sampled_one():
  q, pixels = _variational()
  u, log_q = q.sample_and_log_prob(pixels, tf.constant([3, 4]),
                                   dtype=tf.float64)
  assert u.shape == pixels.shape
  assert np.all((u.numpy() > 0) & (u.numpy() < 1))
  kwargs = q.flow_kwargs(q.context(pixels))
  u = tf.identity(u)  # a fresh key: TFP's cache must not answer the inverse
  eps = q.flow.inverse(u, **kwargs)
  log_q_inverse = (dequantization.standard_normal_log_prob(eps) +
                   q.flow.inverse_log_det_jacobian(u, event_ndims=3,
                                                   **kwargs))
  np.testing.assert_allclose(log_q_inverse, log_q, rtol=1e-8)
  np.testing.assert_allclose(
      eps, tf.random.stateless_normal(pixels.shape, [3, 4], dtype=tf.float64),
      rtol=1e-7, atol=1e-9)


def _model(dequantization_kind, shape=(4, 4, 1), levels=5):
  return RealNVP(shape, num_scales=1, num_res_blocks=1, num_filters=8,
                 num_levels=levels, dequantization=dequantization_kind)


def test_uniform_bound_is_the_papers_score_and_q_enters_with_its_sign():
  uniform = _model("uniform")
  pixels = _pixels((6, 4, 4, 1), 5)
  noise = tf.random.stateless_uniform(pixels.shape, [7, 1])
  y = (tf.cast(pixels, tf.float32) + noise) / 5.
  by_hand = -uniform.log_prob(y) / (16 * math.log(2.)) + math.log2(5.)
  np.testing.assert_allclose(uniform.bits_per_dim(pixels, seed=7), by_hand,
                             rtol=1e-6)

  variational = _model("variational")
  perturb(variational.dequantizer)
  u, log_q = variational.dequantizer.sample_and_log_prob(
      pixels, tf.constant([7, 1]))
  log_p = variational.log_prob((tf.cast(pixels, tf.float32) + u) / 5.)
  by_hand = (log_q - log_p) / (16 * math.log(2.)) + math.log2(5.)
  np.testing.assert_allclose(variational.bits_per_dim(pixels, seed=7),
                             by_hand, rtol=1e-6)
  assert np.max(np.abs(log_q)) > 1.  # q is not uniform: the term matters


def _elementwise_model(kind):
  """A model whose flow acts on each pixel alone (identity couplings, as
  initialised; batch-norm averages moved), so its discrete likelihood is a
  product of one-dimensional integrals."""
  model = _model(kind, levels=4)
  rng = np.random.RandomState(0)
  for stats in model.batch_norm_statistics:
    c = stats.moving_mean.shape
    stats.moving_mean.assign(rng.normal(scale=0.5, size=c))
    stats.moving_variance.assign(rng.uniform(0.5, 2., size=c))
  if kind == "variational":
    perturb(model.dequantizer, scale=0.1)
  return model


def _exact_bits_per_dim(model, pixels):
  """-log2 P(x) / D with P(x) = prod_d [Phi(z(hi_d)) - Phi(z(lo_d))]: the
  flow maps each pixel's bin [x/L, (x+1)/L] monotonically to the latent."""
  x = tf.cast(pixels, tf.float32)
  levels = float(model.num_levels)
  lo = model.encode(x / levels).numpy().astype(np.float64)
  hi = model.encode((x + 1.) / levels).numpy().astype(np.float64)
  mass = special.ndtr(hi) - special.ndtr(lo)
  return -np.log(mass).reshape(len(mass), -1).sum(-1) / (
      model.num_dims * math.log(2.))


@pytest.mark.parametrize("kind", ["uniform", "variational"])
def test_bounds_above_the_exact_likelihood_and_tighten_towards_it(kind):
  model = _elementwise_model(kind)
  pixels = _pixels((8, 4, 4, 1), 4, seed=2)
  exact = _exact_bits_per_dim(model, pixels)
  # The 1-sample bound's mean over many draws (K = 1 is that bound:
  # test_importance_weighted_score_is_not_above_the_one_sample_score).
  one = np.mean([model.importance_weighted_bits_per_dim(pixels, 1, seed=s)
                 for s in range(100, 300)], axis=0)
  iw = {k: model.importance_weighted_bits_per_dim(pixels, k, seed=1).numpy()
        for k in (10, 1000)}
  report(f"{kind} dequantization, toy with an exact likelihood: exact / "
         "1-sample / K=10 / K=1000 bits/dim",
         f"{exact.mean():.4f} / {one.mean():.4f} / {iw[10].mean():.4f} / "
         f"{iw[1000].mean():.4f}")
  gap = one.mean() - exact.mean()
  assert np.all(one > exact) and gap > 0.02     # a bound, per example
  assert one.mean() > iw[10].mean() and one.mean() > iw[1000].mean()
  # Above the exact value up to the estimator's noise.
  assert iw[1000].mean() > exact.mean() - 0.02 * gap
  if kind == "uniform":  # a good proposal here: the gap all but closes
    assert iw[1000].mean() - exact.mean() < 0.05 * gap
  else:  # a random q: slower, but closing
    assert iw[1000].mean() < iw[10].mean()
    assert iw[1000].mean() - exact.mean() < 0.8 * gap


def test_importance_weighted_score_is_not_above_the_one_sample_score():
  model = _model("variational", shape=(8, 8, 1), levels=17)
  perturb(model.dequantizer, scale=0.1)
  pixels = _pixels((40, 8, 8, 1), 17, seed=3)
  one = scoring.mean_score(model, pixels, num_draws=4, batch_size=16)
  many = scoring.importance_weighted_score(model, pixels, 16, batch_size=16)
  single = scoring.importance_weighted_score(model, pixels, 1, batch_size=16)
  report("importance-weighted score, random variational q: K=1 / K=16",
         f"{single:.4f} / {many:.4f}; mean 1-sample score {one:.4f}")
  assert many < single and many < one
  assert abs(single - one) < 0.05  # K = 1 is the 1-sample bound
  # The score mode's columns: per image, the same draws (batch i's seed
  # folded from (seed, i)), so their mean is the data set's score.
  means, bounds = scoring.scores_per_example(model, pixels, num_draws=4,
                                             num_samples=16, batch_size=16)
  assert means.shape == bounds.shape == (40,)
  np.testing.assert_allclose(bounds.mean(), many, rtol=1e-5)
  assert len(set(np.round(bounds, 6))) == 40


def test_bits_k_sample_formula_is_the_log_mean_exp_of_the_weights():
  w = tf.constant([[-3., 0.5], [-1., 2.], [-2., 1.]], tf.float64)
  log_mean = np.log(np.mean(np.exp(w.numpy()), axis=0))
  np.testing.assert_allclose(
      bits.importance_weighted_bits_per_dim(tf.reduce_logsumexp(w, 0), 3, 4,
                                            17),
      bits.bits_per_dim(log_mean, 4, 17))
  np.testing.assert_allclose(
      bits.importance_weighted_bits_per_dim(w[0], 1, 4, 17),
      bits.bits_per_dim(w[0], 4, 17))
