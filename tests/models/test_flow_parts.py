"""The parts a RealNVP's (and a VectorRealNVP's) settings choose (`models/flow_parts.py`): the
couplings' inner map, the normalization and the mixing before each
coupling, in the whole model: exact, trained, saved and served."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from realnvp_testing import assert_encoder_exact
from realnvp_testing import perturb_flow_model
from realnvp_testing import tf_only
from tfp_realnvp import RealNVP
from tfp_realnvp import VectorRealNVP
from tfp_realnvp.job import export

# (coupling, normalization, permutation): each new choice once (the
# additive inner map is exact in the bijector tests).
CHOICES = [("spline", "actnorm", "conv1x1"),
           ("logistic_mixture", "batch_norm", "reference")]
TINY = dict(image_shape=(8, 8, 2), num_scales=2, num_res_blocks=1,
            num_filters=4)
ONE_SCALE = dict(TINY, num_scales=1)   # 4 couplings: a quicker trace


def _pixels(n, seed=0):
  return np.random.RandomState(seed).randint(0, 256, (n, 8, 8, 2)).astype(
      np.int32)


@pytest.mark.parametrize("choice", CHOICES, ids="-".join)
def test_the_whole_model_has_the_brute_force_log_det(choice):
  coupling, normalization, permutation = choice
  model = RealNVP(**TINY, coupling=coupling, normalization=normalization,
                  permutation=permutation, seed=3, dtype="float64")
  assert model.architecture()["coupling"] == coupling
  perturb_flow_model(model, seed=1, scale=0.05)
  x = tf.constant(np.random.RandomState(2).uniform(0.05, 0.95, (2, 8, 8, 2)))
  z, _ = assert_encoder_exact(model.bijector.bijector, x, 3)
  assert np.abs(z.numpy() - x.numpy()).max() > 0.1   # not the identity


def test_a_vector_model_takes_the_same_choices(tmp_path):
  """Spline couplings, ActNorm and a learned D x D mixing on R^4: exact,
  trained (ActNorm initialised), reloaded from .keras bit-exact."""
  choices = dict(coupling="spline", normalization="actnorm",
                 permutation="conv1x1", seed=3)
  exact = VectorRealNVP(4, num_couplings=3, hidden_units=8, dtype="float64",
                        **choices)
  perturb_flow_model(exact, seed=1, scale=0.1)
  x = tf.constant(np.random.RandomState(2).normal(size=(3, 4)))
  assert_encoder_exact(exact.bijector.bijector, x, 1)
  model = VectorRealNVP(4, num_couplings=3, hidden_units=8, **choices)
  assert len(model.conv1x1_factors) == 3
  points = np.random.RandomState(0).normal(size=(256, 4)).astype(np.float32)
  model.compile()
  model.fit(points * 3. + 1., batch_size=64, epochs=2, verbose=0)
  assert float(model.actnorm_parameters[0].initialized.numpy()) == 1.
  model.save(tmp_path / "vector.keras")
  twin = keras.models.load_model(tmp_path / "vector.keras")
  assert twin.get_config()["coupling"] == "spline"
  np.testing.assert_array_equal(twin.log_prob(points[:5]),
                                model.log_prob(points[:5]))


def test_actnorm_init_keras_file_and_export_served_without_the_package(
    tmp_path):
  """A spline model with ActNorm and 1x1 convolutions. ActNorm starts from
  the first `fit` step (not from building or evaluating); trained, saved,
  reloaded bit-exact without initialising again; exported and served by
  TensorFlow alone."""
  model = RealNVP(**ONE_SCALE, coupling="spline", normalization="actnorm",
                  permutation="conv1x1", seed=0)
  first = model.actnorm_parameters[0]
  pixels = _pixels(64)
  model.bits_per_dim(pixels[:8])
  assert float(first.initialized.numpy()) == 0.
  # The first ActNorm sees the logit of the dequantized data through the
  # first 1x1 convolution (x W) and a coupling that starts as the identity:
  # their batch moments.
  model.compile(optimizer=keras.optimizers.Adam(0.))   # no update: init only
  model.fit(pixels, batch_size=64, epochs=1, shuffle=False, verbose=0)
  assert float(first.initialized.numpy()) == 1.
  y = model.bijector.bijector.bijectors[-1].forward(
      (pixels + 0.5) / 256.)   # the logit, as the flow's first step
  y = np.asarray(y) @ model.conv1x1_factors[0].matrix().numpy()
  np.testing.assert_allclose(first.shift.numpy(), np.mean(y, (0, 1, 2)),
                             atol=0.05)
  np.testing.assert_allclose(np.exp(first.log_scale.numpy()),
                             np.std(y, (0, 1, 2)), rtol=0.05)
  model.compile()
  model.fit(pixels, batch_size=16, epochs=1, verbose=0)
  trained = [w.numpy() for w in model.weights]
  model.save(tmp_path / "model.keras")
  twin = keras.models.load_model(tmp_path / "model.keras")
  assert float(twin.actnorm_parameters[0].initialized.numpy()) == 1.
  for a, b in zip(trained, twin.weights):
    np.testing.assert_array_equal(a, b.numpy())
  probe = _pixels(4, seed=5)
  np.testing.assert_array_equal(twin.bits_per_dim(probe, seed=1),
                                model.bits_per_dim(probe, seed=1))
  export.export_saved_model(model, str(tmp_path / "saved"))
  images = (probe + 0.5) / 256.
  np.save(tmp_path / "x.npy", images.astype(np.float32))
  got = tf_only("""
import json, numpy as np, tensorflow as tf
m = tf.saved_model.load("saved").signatures
x = tf.constant(np.load("x.npy"))
s = m["sample"](num_samples=tf.constant(3), temperature=tf.constant(1.),
                seed=tf.constant(7, tf.int64))
print(json.dumps({"log_prob": m["log_prob"](images=x)["log_prob"].numpy().tolist(),
                  "sample": list(s.values())[0].shape.as_list()}))
""", tmp_path)
  np.testing.assert_allclose(np.float32(got["log_prob"]),
                             model.log_prob(images.astype(np.float32)),
                             rtol=1e-5)
  assert got["sample"] == [3, 8, 8, 2]
  before = twin.actnorm_parameters[0].shift.numpy()
  twin.compile(optimizer=keras.optimizers.Adam(0.))
  twin.fit(_pixels(16, seed=9) // 4, batch_size=16, epochs=1, verbose=0)
  np.testing.assert_array_equal(twin.actnorm_parameters[0].shift.numpy(),
                                before)   # another batch: no new init


@pytest.mark.parametrize("coupling", ["spline", "logistic_mixture"])
def test_a_training_step_traces_with_an_unknown_batch_size(coupling):
  """Keras traces `fit` with batch None: each inner map keeps the static
  shape, which the squeeze and the channel split after it need (TFP's
  spline alone loses it)."""
  model = RealNVP(image_shape=(8, 8, 1), num_scales=2, num_res_blocks=1,
                  num_filters=4, num_levels=17, coupling=coupling)
  step = tf.function(lambda pixels: model(pixels, training=True),
                     input_signature=[tf.TensorSpec([None, 8, 8, 1],
                                                    tf.int32)])
  assert step.get_concrete_function().structured_outputs.shape.as_list() == [
      None]
