"""The faster implementations compute what they replace.

The fused Adam against Keras' Adam, the networks' fused batch norm against
Keras' own layer, the one-pass evaluation against Keras' `predict`, and the
runtime rule; every comparison uses weights away from their initial values.
"""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfp_realnvp import RealNVP
from tfp_realnvp import VectorRealNVP
from tfp_realnvp import runtime
from tfp_realnvp.job import resolve
from tfp_realnvp.data import pipeline
from tfp_realnvp.models import FusedAdam
from tfp_realnvp.models import layers
from tfp_realnvp.models import scoring


def _apply_step(optimizer, variables):
  return tf.function(lambda grads: optimizer.apply(grads, variables))


def test_fused_adam_takes_keras_adams_steps_and_keeps_its_slots():
  rng = np.random.RandomState(0)
  start = [rng.randn(3, 4).astype(np.float32), rng.randn(5).astype(np.float32)]
  runs = {}
  for name, optimizer in (("keras", keras.optimizers.Adam(1e-2,
                                                          global_clipnorm=1.)),
                          ("fused", FusedAdam(1e-2, global_clipnorm=1.))):
    variables = [keras.Variable(v) for v in start]
    optimizer.build(variables)
    step = _apply_step(optimizer, variables)
    for i in range(5):  # several steps: the bias corrections change
      g = np.random.RandomState(i)
      step([tf.constant(g.randn(3, 4) * 3, tf.float32),
            tf.constant(g.randn(5), tf.float32)])
    runs[name] = ([v.numpy() for v in variables],
                  [v.numpy() for v in optimizer.variables])
  for a, b in zip(runs["keras"][0], runs["fused"][0]):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
  assert not np.allclose(runs["fused"][0][0], start[0])
  assert len(runs["keras"][1]) == len(runs["fused"][1])
  for a, b in zip(runs["keras"][1], runs["fused"][1]):  # same slots, order
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_fused_batch_norm_matches_keras_output_gradient_and_moving_stats():
  x = tf.constant(np.random.RandomState(1).randn(8, 5, 5, 3) * 2 + 1,
                  tf.float32)
  both = []
  for cls in (keras.layers.BatchNormalization, layers.BatchNormalization):
    layer = cls(momentum=0.9, epsilon=1e-4, scale=False)
    layer.build(x.shape)
    layer.beta.assign([0.3, -0.2, 0.5])
    both.append(layer)
  results = []
  for layer in both:
    with tf.GradientTape() as tape:
      tape.watch(x)
      y = layer(x, training=True)
      loss = tf.reduce_sum(tf.sin(y) * tf.range(3, dtype=tf.float32))
    grads = tape.gradient(loss, [x, layer.beta])
    results.append([y, *grads, layer.moving_mean, layer.moving_variance])
  for a, b in zip(*results):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4,
                               atol=1e-5)
  # Inference: both use the (equal) moving statistics.
  np.testing.assert_allclose(both[0](x, training=False),
                             both[1](x, training=False), rtol=1e-5,
                             atol=1e-6)


def test_one_pass_evaluation_draws_the_noise_predict_draws():
  model = RealNVP(image_shape=(4, 4, 1), num_scales=2, num_res_blocks=1,
                  num_filters=4, num_levels=17, seed=3)
  model.compile()
  pixels = np.random.RandomState(2).randint(0, 17, (40, 4, 4, 1))
  model.fit(pipeline.in_memory(pixels, batch_size=20), epochs=1, verbose=0)
  data = pipeline.in_memory(pixels, batch_size=64)  # one batch
  state = model._noise_seed.state.numpy()  # pylint: disable=protected-access
  by_predict = np.mean([np.mean(model.predict(data, verbose=0))
                        for _ in range(3)])
  model._noise_seed.state.assign(state)  # pylint: disable=protected-access
  one_pass = scoring.mean_score(model, data, num_draws=3)
  np.testing.assert_allclose(one_pass, by_predict, rtol=1e-5)
  assert scoring.mean_score(model, data, num_draws=3) != one_pass  # fresh noise


# Many draws of the traced evaluation loops, in a child process: when the
# loops let TensorFlow overlap their iterations, two threads ran one oneDNN
# kernel at once and corrupted the heap (the child died of SIGSEGV/SIGABRT
# in 4 of 4 runs before the fix; CI's pytest died of it once).
_MANY_DRAWS = """
import numpy as np
from tfp_realnvp import RealNVP
from tfp_realnvp.models import scoring
model = RealNVP((4, 4, 1), num_scales=1, num_res_blocks=1, num_filters=8,
                num_levels=4)
pixels = np.random.RandomState(0).randint(0, 4, (8, 4, 4, 1))
for seed in range(10):
  scoring.mean_score(model, pixels, num_draws=300)
  model.importance_weighted_bits_per_dim(pixels, 300, seed=seed)
print("survived")
"""


def test_evaluation_loops_run_many_draws_without_corrupting_memory():
  child = subprocess.run(
      [sys.executable, "-c", _MANY_DRAWS], capture_output=True, text=True,
      env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=600)
  assert child.returncode == 0 and "survived" in child.stdout, (
      child.returncode, child.stderr[-2000:])


@pytest.mark.parametrize("setting, spec, expected", [
    ("auto", (RealNVP, dict(image_shape=(8, 8, 1), num_filters=32)), "small"),
    ("auto", (RealNVP, dict(image_shape=(32, 32, 3), num_filters=32)), None),
    ("auto", (VectorRealNVP, dict(num_features=2)), "small"),
    ("default", (RealNVP, dict(image_shape=(8, 8, 1), num_filters=32)), None),
    ("2,1", (RealNVP, dict(image_shape=(32, 32, 3), num_filters=32)), (2, 1)),
])
def test_runtime_rule(setting, spec, expected):
  work = resolve.ModelSpec(*spec).step_work(64)
  assert runtime.plan("auto", work, jit_compile=True) is None
  plan = runtime.plan(setting, work)
  if expected == "small":
    assert plan[0] == 1 and plan[1] >= 1
  else:
    assert plan == expected
  assert runtime.check(setting) is None
  assert "--runtime" in runtime.check("fast")
