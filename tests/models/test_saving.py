"""What a user saves loads as it was: `model.save("m.keras")` and
`keras.models.load_model` give every model kind (image, class-conditional,
variational, vector) back compiled, with its optimizer's state and the same
density, and `fit` continues; weights files load exactly; a user's own
`tf.Module` holding a model saves with `tf.saved_model.save` and serves in a
process without TFP or this package. (CI runs these on the lowest admitted
versions too.)"""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from realnvp_testing import TINY_IMAGE
from realnvp_testing import TINY_VECTOR
from realnvp_testing import perturb_flow_model
from realnvp_testing import tf_only
from tfp_realnvp import RealNVP
from tfp_realnvp import VectorRealNVP

# CI runs these on the lowest admitted versions too (setup.cfg).
pytestmark = pytest.mark.versions


def _kind(kind):
  """(model, its training inputs) of each model kind."""
  rng = np.random.RandomState(0)
  if kind == "vector":
    model = VectorRealNVP(**TINY_VECTOR)
    x = rng.normal(size=(32, 2)).astype(np.float32)
  else:
    # Two residual blocks: each block's layers are saved apart (Keras
    # before 3.15 dropped the layers of a nested list without a word).
    model = RealNVP(**{**TINY_IMAGE, "num_res_blocks": 2},
                    num_classes=3 if kind == "conditional" else None,
                    dequantization="variational" if kind == "variational"
                    else "uniform", seed=1)
    x = rng.randint(0, 17, (32, 4, 4, 1))
  label = rng.randint(0, 3, 32) if kind == "conditional" else None
  return model, tf.data.Dataset.from_tensor_slices(
      model.pack_inputs(x, label)).batch(16)


@pytest.mark.parametrize("kind", ["image", "conditional", "variational",
                                  "vector"])
def test_save_and_load_model_give_the_compiled_model_back(kind, tmp_path):
  model, data = _kind(kind)
  # Eager steps: tracing the training step would take 20 s of each fit, and
  # compile's own arguments must come back too.
  model.compile(run_eagerly=True)
  model.fit(data, epochs=1, verbose=0)
  path = str(tmp_path / "model.keras")
  model.save(path)
  with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    loaded = keras.models.load_model(path)
  assert not [w for w in caught if "compile()" in str(w.message)]
  assert loaded.compiled and loaded.run_eagerly
  assert type(loaded) is type(model)
  assert type(loaded.optimizer) is type(model.optimizer)
  assert int(loaded.optimizer.iterations) == 2
  for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
    np.testing.assert_array_equal(a, b)
  rng = np.random.RandomState(1)
  x = (rng.normal(size=(3, 2)) if kind == "vector" else
       rng.uniform(0.02, 0.98, (3, 4, 4, 1))).astype(np.float32)
  label = [0, 1, 2] if kind == "conditional" else None
  np.testing.assert_array_equal(model.log_prob(x, label),
                                loaded.log_prob(x, label))
  weights = str(tmp_path / "model.weights.h5")
  model.save_weights(weights)
  fresh, _ = _kind(kind)
  fresh.load_weights(weights)
  for a, b in zip(model.weights, fresh.weights):
    np.testing.assert_array_equal(a, b, err_msg=a.path)
  np.testing.assert_array_equal(model.log_prob(x, label),
                                fresh.log_prob(x, label))
  history = loaded.fit(data, epochs=1, verbose=0)
  assert int(loaded.optimizer.iterations) == 4
  assert np.isfinite(history.history[loaded.metric_name][-1])


class _UsersModule(tf.Module):
  """What a user writes to ship their own TF functions of a model."""

  def __init__(self, model):
    super().__init__()
    self.model = model
    point = tf.TensorSpec((None,) + tuple(model.event_shape), tf.float32)
    self.log_prob = tf.function(model.log_prob, input_signature=[point])
    self.sample = tf.function(
        lambda n: model.sample(n, seed=3),
        input_signature=[tf.TensorSpec([], tf.int32)])
    if model.kind.integer_data:
      self.bits_per_dim = tf.function(
          lambda pixels: model.bits_per_dim(pixels, seed=5),
          input_signature=[tf.TensorSpec(point.shape, tf.int32)])


@pytest.mark.parametrize("kind", ["variational", "vector"])
def test_a_users_own_module_holding_the_model_saves_and_serves_alone(
    kind, tmp_path):
  model, _ = _kind(kind)
  perturb_flow_model(model, scale=0.05)
  module = _UsersModule(model)
  rng = np.random.RandomState(2)
  x = (rng.normal(size=(3, 2)) if kind == "vector" else
       rng.uniform(0.02, 0.98, (3, 4, 4, 1))).astype(np.float32)
  expected = {"log_prob": module.log_prob(x).numpy(),
              "sample": module.sample(tf.constant(4)).numpy()}
  pixels = rng.randint(0, 17, (3, 4, 4, 1)).astype(np.int32)
  if kind != "vector":
    expected["bits_per_dim"] = module.bits_per_dim(pixels).numpy()
  np.testing.assert_allclose(expected["log_prob"], model.log_prob(x),
                             rtol=1e-5)
  tf.saved_model.save(module, str(tmp_path / "saved"))
  np.save(tmp_path / "x.npy", x)
  np.save(tmp_path / "pixels.npy", pixels)
  got = tf_only("""
import json, numpy as np, tensorflow as tf
m = tf.saved_model.load("saved")
out = {"log_prob": m.log_prob(np.load("x.npy")).numpy().tolist(),
        "sample": m.sample(tf.constant(4)).numpy().tolist()}
if hasattr(m, "bits_per_dim"):
  out["bits_per_dim"] = m.bits_per_dim(np.load("pixels.npy")).numpy().tolist()
print(json.dumps(out))
""", tmp_path)
  assert set(got) == set(expected)
  # The same graph, but another process's thread pools may sum in another
  # order: equal to float32 rounding (the .keras round trips above are
  # exact to the bit).
  for name, value in expected.items():
    np.testing.assert_allclose(np.float32(got[name]), value, rtol=1e-6,
                               atol=1e-6, err_msg=name)
