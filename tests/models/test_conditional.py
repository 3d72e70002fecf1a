"""Conditional densities p(x | c): a vector or an image condition, in both
models: exact log-dets with c held fixed, a known conditional Gaussian
learned, every bad condition refused by name, save/load and the export."""

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from realnvp_testing import TINY_IMAGE
from realnvp_testing import TINY_VECTOR
from realnvp_testing import brute_force_log_det
from realnvp_testing import max_rel_err
from realnvp_testing import perturb_flow_model
from realnvp_testing import report
from realnvp_testing import tf_only
from tfp_realnvp import RealNVP
from tfp_realnvp import VectorRealNVP
from tfp_realnvp import bijectors as B
from tfp_realnvp.examples import posterior_estimation
from tfp_realnvp.job import export

CONDITIONS = {"vector": (3,), "image": (2, 3, 2)}


def _model(kind, condition, dtype="float32", **kwargs):
  if kind == "image":
    return RealNVP(**TINY_IMAGE, condition_shape=CONDITIONS[condition],
                   dtype=dtype, **kwargs)
  return VectorRealNVP(**TINY_VECTOR, condition_shape=CONDITIONS[condition],
                       dtype=dtype, **kwargs)


def _points(model, n=3, seed=0):
  rng = np.random.RandomState(seed)
  return rng.uniform(0.05, 0.95, (n,) + tuple(model.event_shape))


@pytest.mark.parametrize("kind", ["image", "vector"])
@pytest.mark.parametrize("condition", ["vector", "image"])
def test_log_det_with_the_condition_held_fixed_is_the_brute_force_one(
    kind, condition):
  model = _model(kind, condition, dtype="float64")
  perturb_flow_model(model, seed=4)
  encoder = model.bijector.bijector                   # data -> latent
  x = tf.constant(_points(model))
  c = tf.constant(np.random.RandomState(1).normal(
      size=(3,) + CONDITIONS[condition]))
  kwargs = B.route_kwargs(encoder, {B.Coupling: {"condition": c}})
  event_ndims = len(model.event_shape)
  brute = brute_force_log_det(lambda x: encoder.forward(x, **kwargs), x,
                              event_ndims)
  fldj = encoder.forward_log_det_jacobian(x, event_ndims=event_ndims,
                                          **kwargs)
  assert max_rel_err(fldj, brute) <= 1e-6, (fldj, brute)
  z = encoder.forward(x, **kwargs)
  np.testing.assert_allclose(encoder.inverse(tf.identity(z), **kwargs), x,
                             rtol=1e-10)
  base = tf.reduce_sum(tfp.distributions.Normal(np.float64(0), 1.).log_prob(
      z), list(range(1, event_ndims + 1)))
  log_prob = model.log_prob(x, condition=c)
  np.testing.assert_allclose(log_prob, base + brute, rtol=1e-9)
  np.testing.assert_allclose(model.encode(x, condition=c), z, rtol=1e-9)
  # The condition matters, and one condition alone is every example's.
  assert max_rel_err(model.log_prob(x, condition=c + 1.), log_prob) > 1e-3
  np.testing.assert_allclose(
      model.log_prob(x, condition=c[0]),
      model.log_prob(x, condition=tf.stack([c[0]] * 3)), rtol=1e-12)


def test_a_known_conditional_gaussian_is_learned():
  """sbibm's gaussian_linear in 3 dimensions: p(theta | x) = N(x/2, 0.05 I)."""
  model = posterior_estimation.fit_posterior()
  got = posterior_estimation.compare(model)
  report("posterior estimation, held-out nats: flow / exact / prior",
         f"{got['flow_nats']:.4f} / {got['exact_nats']:.4f} / "
         f"{got['prior_nats']:.4f}; mean err {got['mean_max_error']:.4f}, "
         f"cov err {got['cov_max_error']:.4f}")
  assert abs(got["flow_nats"] - got["exact_nats"]) < 0.1
  assert got["flow_nats"] > got["prior_nats"] + 0.8
  assert got["mean_max_error"] < 0.25 * got["posterior_std"]
  assert got["cov_max_error"] < 0.02   # the variance is 0.05


def test_bad_conditions_are_refused_by_name():
  model = _model("image", "vector", validate_args=True)
  x = _points(model).astype(np.float32)
  for bad, words in (
      (None, r"conditional: pass `condition` of shape \(3,\)"),
      (np.zeros((3, 4)), r"condition must have shape \(3,\) or \(batch,\) \+ "
       r"\(3,\); got \(3, 4\)"),
      (np.zeros((3, 1, 3)), r"got \(3, 1, 3\)"),
      (np.array(["a", "b", "c"]), "condition must be numbers"),
      (np.full((3, 3), np.nan), "condition must not hold NaN; got 9 NaN")):
    with pytest.raises(ValueError, match=words):
      model.log_prob(x, condition=bad)
  with pytest.raises(ValueError, match="condition must not hold NaN"):
    model.sample(2, condition=[np.nan, 0., 0.])
  traced = tf.function(lambda c: model.log_prob(x, condition=c))
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match="condition must not hold NaN"):
    traced(tf.constant([np.nan, 0., 0.]))
  plain = RealNVP(**TINY_IMAGE)
  with pytest.raises(ValueError, match=r"takes no condition \(condition_"
                     r"shape=None\); do not pass `condition`"):
    plain.log_prob(x, condition=[1., 2., 3.])
  with pytest.raises(ValueError, match=r"condition_shape\[1\] must be an "
                     "integer >= 1"):
    VectorRealNVP(2, condition_shape=(3, 0))


def test_fit_saves_and_reloads_the_condition_exactly(tmp_path):
  keras.utils.set_random_seed(0)
  model = _model("image", "image", seed=1)
  rng = np.random.RandomState(0)
  pixels = rng.randint(0, 17, (32, 4, 4, 1))
  conditions = rng.normal(size=(32, 2, 3, 2)).astype(np.float32)
  model.compile()
  model.fit({"x": pixels, "condition": conditions}, batch_size=16, epochs=1,
            verbose=0)
  assert model.get_config()["condition_shape"] == (2, 3, 2)
  model.save(tmp_path / "m.keras")
  again = keras.models.load_model(tmp_path / "m.keras")
  x = _points(model).astype(np.float32)
  np.testing.assert_array_equal(again.log_prob(x, condition=conditions[:3]),
                                model.log_prob(x, condition=conditions[:3]))
  model.save_weights(tmp_path / "m.weights.h5")
  twin = _model("image", "image", seed=1)
  twin.load_weights(tmp_path / "m.weights.h5")
  np.testing.assert_array_equal(twin.log_prob(x, condition=conditions[:3]),
                                model.log_prob(x, condition=conditions[:3]))


@pytest.mark.parametrize("kind", ["image", "vector"])
def test_the_export_takes_conditions_in_a_tf_only_process(kind, tmp_path):
  model = _model(kind, "vector")
  perturb_flow_model(model, seed=2, scale=0.1)
  x = _points(model).astype(np.float32)
  c = np.random.RandomState(3).normal(size=(3, 3)).astype(np.float32)
  export.export_saved_model(model, str(tmp_path / "saved"))
  np.save(tmp_path / "x.npy", x)
  np.save(tmp_path / "c.npy", c)
  data, samples = model.kind.data_name, model.kind.sample_name
  got = tf_only(f"""
import json, numpy as np, tensorflow as tf
m = tf.saved_model.load("saved").signatures
x, c = tf.constant(np.load("x.npy")), tf.constant(np.load("c.npy"))
out = {{"log_prob": m["log_prob"]({data}=x, conditions=c)["log_prob"].numpy().tolist(),
       "sample": m["sample"](num_samples=tf.constant(4), temperature=tf.constant(1.),
                             seed=tf.constant(7, tf.int64),
                             conditions=c[:1])["{samples}"].shape.as_list()}}
try:
  m["log_prob"]({data}=x, conditions=c[:, :2])
except tf.errors.InvalidArgumentError as e:
  out["wrong"] = "conditions must have shape" in str(e)
print(json.dumps(out))
""", tmp_path)
  np.testing.assert_allclose(np.float32(got["log_prob"]),
                             model.log_prob(x, condition=c), rtol=1e-5)
  assert tuple(got["sample"]) == (4,) + tuple(model.event_shape)
  assert got["wrong"]


def test_a_users_condition_encoder_feeds_the_couplings_and_is_saved(
    tmp_path):
  """A Keras layer applied to the condition first: trained with the model,
  its output (here feature maps of half the size) in the couplings, saved in
  .keras files and get_config; the log-det stays exact with c fixed."""
  encoder = keras.Sequential([keras.layers.Conv2D(2, 3, strides=2,
                                                  padding="same")])
  model = RealNVP(**TINY_IMAGE, condition_shape=(8, 8, 1),
                  condition_encoder=encoder, dtype="float64")
  assert model.condition_features_shape == (4, 4, 2)
  perturb_flow_model(model, seed=5)
  assert any(w is encoder.weights[0] for w in model.trainable_weights)
  x = tf.constant(_points(model))
  c = tf.constant(np.random.RandomState(2).normal(size=(3, 8, 8, 1)))
  encoder_chain = model.bijector.bijector
  kwargs = B.route_kwargs(encoder_chain, {B.Coupling: {"condition": encoder(c)}})
  brute = brute_force_log_det(lambda x: encoder_chain.forward(x, **kwargs),
                              x, 3)
  z = encoder_chain.forward(x, **kwargs)
  base = tf.reduce_sum(tfp.distributions.Normal(np.float64(0), 1.).log_prob(
      z), [1, 2, 3])
  np.testing.assert_allclose(model.log_prob(x, condition=c), base + brute,
                             rtol=1e-9)
  model.save(tmp_path / "m.keras")
  again = keras.models.load_model(tmp_path / "m.keras")
  assert again.get_config()["condition_encoder"]["class_name"] == "Sequential"
  np.testing.assert_array_equal(again.log_prob(x, condition=c),
                                model.log_prob(x, condition=c))
  with pytest.raises(ValueError, match="condition_encoder needs "
                     "condition_shape"):
    VectorRealNVP(2, condition_encoder=keras.layers.Dense(2))
  with pytest.raises(ValueError, match="condition_encoder must be a Keras "
                     "layer"):
    VectorRealNVP(2, condition_shape=(3,), condition_encoder="dense")
  with pytest.raises(ValueError, match=r"must return \(batch, F\) or"):
    VectorRealNVP(2, condition_shape=(3,),
                  condition_encoder=keras.layers.Reshape((3, 1)))
