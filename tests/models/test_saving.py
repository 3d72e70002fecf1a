"""`model.save("m.keras")` and `keras.models.load_model`: every model kind
(image, class-conditional, variational, vector) comes back compiled, with
its optimizer's state and the same density, and `fit` continues."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from realnvp_testing import TINY_IMAGE
from realnvp_testing import TINY_VECTOR
from tfp_realnvp import RealNVP
from tfp_realnvp import VectorRealNVP


def _kind(kind):
  """(model, its training inputs) of each model kind."""
  rng = np.random.RandomState(0)
  if kind == "vector":
    model = VectorRealNVP(**TINY_VECTOR)
    x = rng.normal(size=(32, 2)).astype(np.float32)
  else:
    model = RealNVP(**TINY_IMAGE, num_classes=3 if kind == "conditional" else None,
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
  history = loaded.fit(data, epochs=1, verbose=0)
  assert int(loaded.optimizer.iterations) == 4
  assert np.isfinite(history.history[loaded.metric_name][-1])
