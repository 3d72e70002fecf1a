"""The parts a RealNVP's settings choose (`models/flow_parts.py`): the
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
from tfp_realnvp.job import export

# (coupling, normalization, permutation): each new choice once (the
# additive inner map is exact in the bijector tests).
CHOICES = [("spline", "actnorm", "conv1x1"),
           ("logistic_mixture", "batch_norm", "reference")]
TINY = dict(image_shape=(8, 8, 2), num_scales=2, num_res_blocks=1,
            num_filters=4)


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


def test_actnorm_starts_from_the_first_training_batch_and_only_then(
    tmp_path):
  """Initialised by the first `fit` step (not by building or evaluating);
  a reloaded model keeps its state and never initialises again."""
  model = RealNVP(**TINY, normalization="actnorm", seed=0)
  first = model.actnorm_parameters[0]
  pixels = _pixels(64)
  model.bits_per_dim(pixels[:8])
  assert float(first.initialized.numpy()) == 0.
  # The first actnorm sees the logit of the dequantized data through one
  # coupling that starts as the identity: its batch moments.
  model.compile(optimizer=keras.optimizers.Adam(0.))   # no update: init only
  model.fit(pixels, batch_size=64, epochs=1, shuffle=False, verbose=0)
  assert float(first.initialized.numpy()) == 1.
  y = model.bijector.bijector.bijectors[-1].forward(
      (pixels + 0.5) / 256.)   # the logit, as the flow's first step
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
  before = twin.actnorm_parameters[0].shift.numpy()
  twin.compile(optimizer=keras.optimizers.Adam(0.))
  twin.fit(_pixels(16, seed=9) // 4, batch_size=16, epochs=1, verbose=0)
  np.testing.assert_array_equal(twin.actnorm_parameters[0].shift.numpy(),
                                before)   # another batch: no new init


def test_keras_file_and_export_served_without_the_package(tmp_path):
  """A spline model with ActNorm and 1x1 convolutions: trained, saved,
  reloaded bit-exact, exported and served by TensorFlow alone."""
  model = RealNVP(**TINY, coupling="spline", normalization="actnorm",
                  permutation="conv1x1", seed=0)
  model.compile()
  model.fit(_pixels(32), batch_size=16, epochs=1, verbose=0)
  model.save(tmp_path / "model.keras")
  twin = keras.models.load_model(tmp_path / "model.keras")
  pixels = _pixels(4, seed=5)
  np.testing.assert_array_equal(twin.bits_per_dim(pixels, seed=1),
                                model.bits_per_dim(pixels, seed=1))
  export.export_saved_model(model, str(tmp_path / "saved"))
  images = (pixels + 0.5) / 256.
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
