"""Exactness, shapes, dtypes, execution regimes and errors of every bijector."""

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from realnvp_testing import ConvParameters
from realnvp_testing import ConvShiftAndLogScale
from realnvp_testing import DenseShiftAndLogScale
from realnvp_testing import brute_force_log_det
from realnvp_testing import max_rel_err
from realnvp_testing import perturb
from realnvp_testing import record
from tfp_realnvp import bijectors as B

tfb, tfd = tfp.bijectors, tfp.distributions


def _checkerboard(dtype, parity=1):
  return (B.CheckerboardAffineCoupling(parity, ConvShiftAndLogScale(3, dtype=dtype)),
          (4, 4, 3))


def _channel(dtype, parity=0):
  return (B.ChannelAffineCoupling(parity, ConvShiftAndLogScale(2, dtype=dtype)),
          (4, 4, 4))


def _masked_vector(dtype):
  return (B.MaskedAffineCoupling(B.alternating_mask(5, 1),
                                 DenseShiftAndLogScale(5, dtype=dtype)), (5,))


def _squeeze(dtype, ordered=False):
  del dtype
  return B.Squeeze(ordered=ordered), (4, 6, 2)


def _batch_norm(dtype):
  bn = B.BatchNormalization(dtype=dtype)
  bn.statistics.build((None, 3))
  rng = np.random.RandomState(0)
  bn.statistics.moving_mean.assign(rng.normal(size=3))
  bn.statistics.moving_variance.assign(rng.uniform(0.2, 3., size=3))
  return bn, (4, 4, 3)


def _logit(dtype):
  del dtype
  return B.LogitTransform(alpha=0.05), (3, 4, 2)


def _spline_checkerboard(dtype):
  inner = B.spline(num_bins=5, bound=2.)   # inputs reach past the bound
  return (B.CheckerboardCoupling(1, ConvParameters(3, inner, dtype=dtype),
                                 inner), (4, 4, 3))


def _mixture_channel(dtype):
  inner = B.logistic_mixture(num_components=3)
  return B.SplitCoupling(0, ConvParameters(2, inner, dtype=dtype), inner), (
      4, 4, 4)


def _actnorm(dtype):
  """ActNorm initialised from a batch (mean 2, std 3), then moved away."""
  actnorm = B.ActNorm(dtype=dtype)
  actnorm.forward(tf.constant(np.random.RandomState(1).normal(
      2., 3., size=(16, 4, 4, 3)), dtype), training=True)
  perturb(actnorm.parameters_layer, seed=2)
  return actnorm, (4, 4, 3)


def _conv1x1(dtype):
  conv = B.InvertibleConv1x1(3, seed=0, dtype=dtype)
  perturb(conv.factors, seed=3)           # off the initial rotation
  return conv, (4, 4, 3)


FACTORIES = {
    "checkerboard_parity0": lambda d: _checkerboard(d, 0),
    "checkerboard_parity1": lambda d: _checkerboard(d, 1),
    "channel_parity0": lambda d: _channel(d, 0),
    "channel_parity1": lambda d: _channel(d, 1),
    "masked_vector": _masked_vector,
    "squeeze": lambda d: _squeeze(d, False),
    "squeeze_ordered": lambda d: _squeeze(d, True),
    "batch_norm": _batch_norm,
    "logit": _logit,
    "spline_checkerboard": _spline_checkerboard,
    "logistic_mixture_channel": _mixture_channel,
    "actnorm": _actnorm,
    "conv1x1": _conv1x1,
}


def _inputs(name, shape, dtype, seed=0):
  rng = np.random.RandomState(seed)
  if name == "logit":
    return tf.constant(rng.uniform(0.01, 0.99, size=shape), dtype)
  return tf.constant(rng.normal(size=shape), dtype)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_log_det_matches_brute_force_jacobian(name):
  bij, event = FACTORIES[name](tf.float64)
  ndims = len(event)
  x = _inputs(name, (3,) + event, tf.float64)
  fldj = bij.forward_log_det_jacobian(x, event_ndims=ndims)
  fldj_bf = brute_force_log_det(bij.forward, x, ndims)
  y = tf.identity(bij.forward(x))
  ildj = bij.inverse_log_det_jacobian(y, event_ndims=ndims)
  ildj_bf = brute_force_log_det(bij.inverse, y, ndims)
  err_f, err_i = max_rel_err(fldj, fldj_bf), max_rel_err(ildj, ildj_bf)
  record(name, "logdet_rel_err", max(err_f, err_i))
  record(name, "logdet_abs_err", float(max(np.max(np.abs(fldj - fldj_bf)),
                                           np.max(np.abs(ildj - ildj_bf)))))
  assert err_f <= 1e-6, (fldj.numpy(), fldj_bf.numpy())
  assert err_i <= 1e-6, (ildj.numpy(), ildj_bf.numpy())
  if name.startswith(("checkerboard", "channel", "masked", "spline",
                      "logistic")):
    # Not a vacuous check: the coupling is far from volume preserving.
    assert np.min(np.abs(fldj.numpy())) > 1e-2


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_round_trips_through_identity(name, dtype):
  bij, event = FACTORIES[name](dtype)
  x = _inputs(name, (4,) + event, dtype)
  y = bij.forward(x)
  # tf.identity breaks TFP's cache, which would otherwise hand back x itself.
  x_back = bij.inverse(tf.identity(y))
  y_back = bij.forward(tf.identity(bij.inverse(tf.identity(y))))
  tol = 1e-5 if dtype == tf.float32 else 1e-12
  if name.startswith("spline"):
    # Its inverse amplifies y's rounding (and its knots', cumulative sums
    # of the bins) by 1 / g'(x): on float32 a few hundred ulps.
    tol = 1e-4 if dtype == tf.float32 else 1e-11
  err = max(max_rel_err(x_back, x), max_rel_err(y_back, y))
  record(name, f"roundtrip_err_{dtype.name}", err)
  assert err <= tol
  assert x_back is not x
  if not name.startswith("squeeze"):
    assert max_rel_err(y, x) > 1e-3  # the bijector is not the identity


@pytest.mark.parametrize("batch_shape", [(), (2,), (2, 3)])
@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_batch_shapes(name, batch_shape):
  bij, event = FACTORIES[name](tf.float32)
  ndims = len(event)
  x = _inputs(name, batch_shape + event, tf.float32)
  y = bij.forward(x)
  fldj = bij.forward_log_det_jacobian(x, event_ndims=ndims)
  out_event = tuple(bij.forward_event_shape(event))
  assert tuple(y.shape) == batch_shape + out_event
  assert tuple(bij.forward_event_shape(batch_shape + event)) == tuple(y.shape)
  assert tuple(bij.inverse_event_shape(y.shape)) == tuple(x.shape)
  assert tuple(bij.forward_event_shape_tensor(batch_shape + event).numpy()) == \
      tuple(y.shape)
  assert fldj.shape.is_compatible_with(batch_shape) or fldj.shape.rank == 0
  # Same numbers as the flat batch: batch dims are only carried along.
  flat = tf.reshape(x, (-1,) + event)
  y_flat = bij.forward(flat)
  fldj_flat = bij.forward_log_det_jacobian(flat, event_ndims=ndims)
  np.testing.assert_allclose(tf.reshape(y, (-1,) + out_event), y_flat,
                             rtol=1e-5, atol=1e-5)
  np.testing.assert_allclose(
      tf.reshape(tf.broadcast_to(fldj, batch_shape), [-1]),
      tf.broadcast_to(fldj_flat, [int(np.prod(batch_shape))]), rtol=1e-5)
  x_back = bij.inverse(tf.identity(y))
  assert x_back.shape == x.shape


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_eager_function_and_xla_agree(name):
  bij, event = FACTORIES[name](tf.float32)
  ndims = len(event)
  x = _inputs(name, (3,) + event, tf.float32)

  def both(v):
    y = bij.forward(v)
    return y, bij.forward_log_det_jacobian(v, event_ndims=ndims), bij.inverse(
        tf.identity(y))

  spec = [tf.TensorSpec((None,) + event, tf.float32)]  # unknown batch size
  graph = tf.function(both, input_signature=spec)
  xla = tf.function(both, input_signature=spec, jit_compile=True)
  ref = both(x)
  for fn in (graph, xla):
    for a, b in zip(fn(x), ref):
      np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5)
  # One trace serves another batch size.
  graph(_inputs(name, (5,) + event, tf.float32))
  assert graph.experimental_get_tracing_count() == 1


# -- batch normalisation: training statistics --------------------------------

def test_batch_norm_training_uses_batch_moments_and_updates_averages_once():
  bn = B.BatchNormalization()
  x = _inputs("bn", (64, 4, 4, 3), tf.float32) * 3. + 2.
  y = bn.forward(x, training=True)
  fldj = bn.forward_log_det_jacobian(x, event_ndims=3, training=True)
  mean = np.mean(x.numpy(), axis=(0, 1, 2))
  var = np.var(x.numpy(), axis=(0, 1, 2))
  np.testing.assert_allclose(np.mean(y, axis=(0, 1, 2)), 0., atol=1e-5)
  np.testing.assert_allclose(np.var(y, axis=(0, 1, 2)), var / (var + 1e-4),
                             rtol=1e-4)
  np.testing.assert_allclose(
      fldj, np.full(64, -0.5 * 16 * np.sum(np.log(var + 1e-4))), rtol=1e-5)
  # One update of the moving averages (momentum 0.9), not one per log-det.
  np.testing.assert_allclose(bn.statistics.moving_mean, 0.1 * mean, rtol=1e-5)
  np.testing.assert_allclose(bn.statistics.moving_variance, 0.9 + 0.1 * var,
                             rtol=1e-5)
  # Gradients flow through the batch statistics.
  with tf.GradientTape() as tape:
    tape.watch(x)
    out = tf.reduce_sum(bn.forward(tf.identity(x), training=True)[0, 0, 0])
  grad = tape.gradient(out, x).numpy()
  assert np.count_nonzero(grad[1:]) > 0  # other examples matter via the moments


def test_batch_norm_inverse_always_uses_moving_averages():
  bn, _ = _batch_norm(tf.float32)
  y = _inputs("bn", (8, 4, 4, 3), tf.float32)
  mean = bn.statistics.moving_mean.numpy()
  var = bn.statistics.moving_variance.numpy()
  x = bn.inverse(y, training=True)
  np.testing.assert_allclose(x, y.numpy() * np.sqrt(var + 1e-4) + mean,
                             rtol=1e-5, atol=1e-6)


class _KerasModelAround(keras.Model):
  """A Keras model whose call is `bn.forward` (with a fresh cache key, or not)."""

  def __init__(self, bn, fresh_key=True):
    super().__init__()
    self.bn, self.stats, self.fresh_key = bn, bn.statistics, fresh_key

  def call(self, x, training=None):
    return self.bn.forward(tf.identity(x) if self.fresh_key else x)


def test_batch_norm_follows_the_keras_training_context():
  bn = B.BatchNormalization()
  model = _KerasModelAround(bn)
  x = _inputs("bn", (32, 2, 2, 3), tf.float32) * 5. + 1.
  y_train = model(x, training=True)
  np.testing.assert_allclose(np.mean(y_train, axis=(0, 1, 2)), 0., atol=1e-4)
  assert np.any(bn.statistics.moving_mean.numpy() != 0.)
  moving = bn.statistics.moving_mean.numpy().copy()
  y_eval = model(x, training=False)
  np.testing.assert_array_equal(bn.statistics.moving_mean, moving)
  assert max_rel_err(y_eval, y_train) > 1e-2
  assert len(model.non_trainable_weights) == 2


def test_batch_norm_mode_is_part_of_the_cache_key():
  # The same tensor, first while Keras trains, then in inference: the second
  # result must use the moving averages, not the cached batch statistics.
  bn = B.BatchNormalization()
  model = _KerasModelAround(bn, fresh_key=False)  # the cache sees one key
  x = _inputs("bn", (32, 2, 2, 3), tf.float32) * 5. + 1.
  y_train = model(x, training=True)
  mean = bn.statistics.moving_mean.numpy()
  var = bn.statistics.moving_variance.numpy()
  expected = (x.numpy() - mean) / np.sqrt(var + 1e-4)
  np.testing.assert_allclose(model(x, training=False), expected, rtol=1e-5,
                             atol=1e-5)
  np.testing.assert_allclose(bn.forward(x), expected, rtol=1e-5, atol=1e-5)
  np.testing.assert_allclose(bn.forward(x, training=False), expected,
                             rtol=1e-5, atol=1e-5)
  assert max_rel_err(y_train, expected) > 1e-2
  # ...and its log-det is the moving averages' one, from the same entry.
  np.testing.assert_allclose(
      bn.forward_log_det_jacobian(x, event_ndims=3),
      np.full(32, -0.5 * 4 * np.sum(np.log(var + 1e-4))), rtol=1e-5)
  np.testing.assert_array_equal(bn.statistics.moving_mean, mean)  # no update


# -- one network evaluation per coupling -------------------------------------

class _Counting(keras.layers.Layer):

  def __init__(self, net):
    super().__init__()
    self.net = net
    self.calls = 0

  def call(self, x):
    self.calls += 1
    return self.net(x)


def test_each_coupling_runs_its_network_once_per_log_prob_and_sample():
  nets = [_Counting(ConvShiftAndLogScale(2, seed=i)) for i in range(3)]
  encoder = tfb.Chain([
      B.ChannelAffineCoupling(1, nets[2]),
      B.ChannelAffineCoupling(0, nets[1]),
      B.CheckerboardAffineCoupling(0, _Counting(ConvShiftAndLogScale(4))),
  ])
  nets.append(encoder.bijectors[2].shift_and_log_scale_fn)
  dist = tfd.TransformedDistribution(
      tfd.Sample(tfd.Normal(0., 1.), [4, 4, 4]), tfb.Invert(encoder))
  x = _inputs("c", (2, 4, 4, 4), tf.float32)
  dist.log_prob(x)  # builds the layers (Keras traces each once symbolically)
  for n in nets:
    n.calls = 0
  lp = dist.log_prob(x)
  assert [n.calls for n in nets] == [0, 1, 1, 1]  # nets[0] is unused
  manual = dist.distribution.log_prob(encoder.forward(tf.identity(x))) + \
      encoder.forward_log_det_jacobian(tf.identity(x), event_ndims=3)
  np.testing.assert_allclose(lp, manual, rtol=1e-5)
  for n in nets:
    n.calls = 0
  dist.sample(3, seed=1)
  assert [n.calls for n in nets] == [0, 1, 1, 1]


# -- variables visible to TFP, training without Keras ------------------------

def _vector_flow(num_couplings=4, dtype="float32", num_classes=None,
                 name="coupling"):
  couplings = [
      B.MaskedAffineCoupling(
          B.alternating_mask(2, i % 2),
          DenseShiftAndLogScale(2, dtype=dtype, seed=10 * i,
                                num_classes=num_classes), name=name)
      for i in range(num_couplings)]
  return tfb.Chain(couplings[::-1])


def test_trainable_variables_are_visible_and_a_tape_loop_trains():
  encoder = _vector_flow()
  dist = tfd.TransformedDistribution(tfd.Sample(tfd.Normal(0., 1.), [2]),
                                     tfb.Invert(encoder))
  assert len(encoder.bijectors[0].trainable_variables) == 0  # not built yet
  rng = np.random.RandomState(0)
  data = tf.constant(np.stack([rng.normal(size=512),
                               0.5 * rng.normal(size=512) ** 2 - 1.], 1),
                     tf.float32)
  dist.log_prob(data)  # builds the networks
  for bij in encoder.bijectors:
    assert len(bij.trainable_variables) == 4
  assert len(encoder.trainable_variables) == 16
  assert len(dist.trainable_variables) == 16
  assert all(isinstance(v, tf.Variable) for v in dist.trainable_variables)

  opt = keras.optimizers.Adam(1e-2)
  variables = dist.trainable_variables

  @tf.function
  def step():
    with tf.GradientTape() as tape:
      loss = -tf.reduce_mean(dist.log_prob(data))
    grads = tape.gradient(loss, variables)
    opt.apply_gradients(zip(grads, variables))
    return loss, grads

  first, grads = step()
  assert all(g is not None for g in grads)
  for _ in range(150):
    last, _ = step()
  assert float(last) < float(first) - 0.3


def test_fit_surrogate_posterior_trains_a_flow_surrogate():
  target = tfd.MultivariateNormalDiag(loc=[1., -2.], scale_diag=[0.5, 2.])
  encoder = _vector_flow(num_couplings=2)
  surrogate = tfd.TransformedDistribution(
      tfd.Sample(tfd.Normal(0., 1.), [2]), tfb.Invert(encoder))
  surrogate.sample(2, seed=0)  # builds the networks
  assert len(surrogate.trainable_variables) == 8
  losses = tfp.vi.fit_surrogate_posterior(
      target.log_prob, surrogate, optimizer=keras.optimizers.Adam(2e-2),
      num_steps=300, sample_size=64, seed=(0, 1))
  assert float(np.mean(losses[-20:])) < float(np.mean(losses[:20])) - 0.5
  samples = surrogate.sample(4000, seed=(2, 3)).numpy()
  np.testing.assert_allclose(samples.mean(0), [1., -2.], atol=0.35)


# -- conditioning kwargs -----------------------------------------------------

def test_conditioning_kwargs_reach_the_network_through_chain_and_distribution():
  encoder = _vector_flow(num_couplings=2, num_classes=3, name="cond")
  dist = tfd.TransformedDistribution(tfd.Sample(tfd.Normal(0., 1.), [2]),
                                     tfb.Invert(encoder))
  x = _inputs("c", (4, 2), tf.float32)
  kwargs = lambda label: {"cond": {"label": tf.constant(label)}}
  lp0 = dist.log_prob(x, bijector_kwargs=kwargs([0, 0, 0, 0]))
  lp1 = dist.log_prob(x, bijector_kwargs=kwargs([1, 1, 2, 2]))
  assert max_rel_err(lp0, lp1) > 1e-3  # the label changes the density
  z = encoder.forward(x, cond={"label": tf.constant([1, 1, 2, 2])})
  x_back = encoder.inverse(tf.identity(z), cond={"label": tf.constant([1, 1, 2, 2])})
  np.testing.assert_allclose(x_back, x, rtol=1e-5, atol=1e-6)
  s = dist.sample(4, seed=0, bijector_kwargs=kwargs([2, 2, 2, 2]))
  assert s.shape == (4, 2)
  # Conditioning tensors with batch shape (2, 2) are flattened with x.
  x22 = tf.reshape(x, (2, 2, 2))
  lp22 = dist.log_prob(x22, bijector_kwargs={
      "cond": {"label": tf.constant([[1, 1], [2, 2]])}})
  np.testing.assert_allclose(tf.reshape(lp22, [-1]), lp1, rtol=1e-5)


# -- clear errors ------------------------------------------------------------

def test_error_wrong_rank():
  coupling, _ = _checkerboard(tf.float32)
  with pytest.raises(ValueError, match="rank >= 3"):
    coupling.forward(tf.zeros((4, 3)))
  with pytest.raises(ValueError, match=r"\(\.\.\., H, W, C\)"):
    B.Squeeze().forward(tf.zeros((4, 4)))


def test_error_odd_spatial_size():
  with pytest.raises(ValueError, match="even height and width; got 5 x 4"):
    B.Squeeze().forward(tf.zeros((2, 5, 4, 1)))
  with pytest.raises(ValueError, match="even height and width"):
    B.Squeeze().forward_event_shape((3, 4, 1))
  squeeze = B.Squeeze(validate_args=True)
  fn = tf.function(squeeze.forward,
                   input_signature=[tf.TensorSpec([None, None, None, 1])])
  # The check must run before the reshape, not race it: without the control
  # dependency, about 1 call in 40 failed in the reshape instead.
  for _ in range(50):
    with pytest.raises(tf.errors.InvalidArgumentError, match="even height"):
      fn(tf.zeros((2, 3, 4, 1)))
  assert fn(tf.zeros((2, 4, 6, 1))).shape == (2, 2, 3, 4)


def test_error_odd_channel_count():
  coupling = B.ChannelAffineCoupling(0, ConvShiftAndLogScale(1))
  with pytest.raises(ValueError, match="even number of channels; got 3"):
    coupling.forward(tf.zeros((2, 4, 4, 3)))


def test_error_network_returns_wrong_shape():
  coupling = B.CheckerboardAffineCoupling(0, ConvShiftAndLogScale(2))
  with pytest.raises(ValueError, match=r"shift of shape \(2, 4, 4, 2\); "
                     r"expected \(batch,\) \+ \(4, 4, 3\)"):
    coupling.forward(tf.zeros((2, 4, 4, 3)))
  bad = B.ChannelAffineCoupling(0, lambda x: x)
  with pytest.raises(TypeError, match=r"must return a pair \(shift, log_scale\)"):
    bad.forward(tf.zeros((2, 4, 4, 2)))


def test_error_logit_input_outside_unit_interval():
  logit = B.LogitTransform(validate_args=True)
  with pytest.raises(tf.errors.InvalidArgumentError, match=r"lie in \[0, 1\]"):
    logit.forward(tf.constant([0.5, 1.5]))
  for alpha in (0.5, 0., -0.1, 0.7):
    with pytest.raises(ValueError, match="alpha must be a number > 0 and < 0.5; "
                       f"got {float(alpha)}"):
      B.LogitTransform(alpha=alpha)


def test_error_masked_coupling_bad_mask_and_shape():
  with pytest.raises(ValueError, match="0s and 1s"):
    B.MaskedAffineCoupling([0, 2], DenseShiftAndLogScale(2))
  coupling = B.MaskedAffineCoupling([0, 1, 1], DenseShiftAndLogScale(3))
  with pytest.raises(ValueError, match="does not match the mask's shape"):
    coupling.forward(tf.zeros((2, 4)))


def test_error_batch_norm_dtype_mismatch():
  bn = B.BatchNormalization(dtype=tf.float32)
  with pytest.raises(ValueError, match="requested dtype float32 for Tensor "
                     "with dtype float64"):
    bn.forward(tf.zeros((2, 3), tf.float64))


# -- reference orderings of the squeeze --------------------------------------

def test_squeeze_orderings_match_the_reference():
  h, w, c = 4, 4, 3
  x = np.arange(h * w * c, dtype=np.float32).reshape(1, h, w, c)
  plain = B.Squeeze(ordered=False).forward(x).numpy()
  ordered = B.Squeeze(ordered=True).forward(x).numpy()
  slot = {(0, 0): 0, (1, 1): 1, (0, 1): 2, (1, 0): 3}
  for i in range(h // 2):
    for j in range(w // 2):
      for ch in range(c):
        for dh in (0, 1):
          for dw in (0, 1):
            v = x[0, 2 * i + dh, 2 * j + dw, ch]
            assert plain[0, i, j, 4 * ch + 2 * dh + dw] == v
            assert ordered[0, i, j, slot[(dh, dw)] * c + ch] == v
  # The ordered squeeze's first half is one colour of the checkerboard.
  kept = B.Squeeze(ordered=True).inverse(
      np.concatenate([ordered[..., :2 * c], np.zeros_like(ordered[..., 2 * c:])],
                     -1)).numpy()
  board = B.checkerboard_mask(h, w, parity=1).numpy()
  np.testing.assert_array_equal(kept, x * board)


def test_masked_couplings_are_thin_constructors_over_one_masked_coupling():
  assert issubclass(B.CheckerboardAffineCoupling, B.MaskedCoupling)
  assert issubclass(B.MaskedAffineCoupling, B.MaskedCoupling)
  assert issubclass(B.ChannelAffineCoupling, B.SplitCoupling)
  assert not issubclass(B.CheckerboardAffineCoupling, B.MaskedAffineCoupling)
  with pytest.raises(ValueError, match="a callable mask needs event_ndims"):
    B.MaskedCoupling(lambda x: x, ConvShiftAndLogScale(1))
  with pytest.raises(TypeError, match="bijector_fn must be an elementwise"):
    B.MaskedCoupling([0., 1.], DenseShiftAndLogScale(2),
                     bijector_fn=lambda s: tfb.Shift(s))
  coupling, _ = _checkerboard(tf.float32, parity=1)
  assert coupling.parity == 1 and coupling.mask is None
  assert coupling.bijector_fn is B.elementwise.affine
  np.testing.assert_array_equal(coupling.mask_for(tf.zeros((1, 4, 6, 3))),
                                B.checkerboard_mask(4, 6, parity=1))


def test_route_kwargs_reaches_every_bijector_of_a_type():
  couplings = [B.MaskedAffineCoupling(B.alternating_mask(2, i % 2),
                                      DenseShiftAndLogScale(2, seed=i),
                                      name=f"c{i}") for i in range(2)]
  inner = tfb.Chain([couplings[1], B.BatchNormalization(name="bn")],
                    name="inner")
  tree = tfb.Invert(tfb.Chain([inner, couplings[0]], name="outer"))
  label = tf.constant([1])
  routed = B.route_kwargs(tree, {B.Coupling: {"label": label}})
  assert routed == {"inner": {"c1": {"label": label}}, "c0": {"label": label}}
  both = B.route_kwargs(tree, {B.Coupling: {"label": label},
                               B.BatchNormalization: {"training": True}})
  assert both["inner"]["bn"] == {"training": True}
  clash = tfb.Chain([couplings[0], B.MaskedAffineCoupling(
      [1., 0.], DenseShiftAndLogScale(2), name="c0")], name="clash")
  assert B.route_kwargs(clash, {B.Coupling: {"label": label}}) == {
      "c0": {"label": label}}  # the same arguments under one name: fine
  # A coupling and a chain of couplings under one name cannot both be fed.
  clash = tfb.Chain([couplings[0], tfb.Chain([couplings[1]], name="c0")],
                    name="clash")
  with pytest.raises(ValueError, match="clash: two sub-bijectors named 'c0' "
                     "need different keyword arguments"):
    B.route_kwargs(clash, {B.Coupling: {"label": label}})


def test_checkerboard_coupling_keeps_masked_entries_exactly():
  coupling, _ = _checkerboard(tf.float32, parity=0)
  x = _inputs("c", (2, 4, 4, 3), tf.float32)
  y = coupling.forward(x).numpy()
  kept = B.checkerboard_mask(4, 4, 0).numpy()[..., 0] == 1
  np.testing.assert_array_equal(y[:, kept], x.numpy()[:, kept])
  assert np.all(y[:, ~kept] != x.numpy()[:, ~kept])


# -- the inner transformation is a parameter ---------------------------------

class _ShiftOnly(keras.layers.Layer):
  """A network for one-parameter inner bijectors: the first output of `net`."""

  def __init__(self, net):
    super().__init__(dtype=net.dtype_policy)
    self.net = net

  def call(self, x):
    return self.net(x)[0]


def _inner_couplings(bijector_fn, dtype):
  """(coupling, event) of each kind with `bijector_fn`, random networks."""
  return [
      (B.CheckerboardCoupling(1, _ShiftOnly(ConvShiftAndLogScale(
          3, dtype=dtype, seed=5)), bijector_fn), (4, 4, 3)),
      (B.SplitCoupling(0, _ShiftOnly(ConvShiftAndLogScale(
          2, dtype=dtype, seed=6)), bijector_fn), (4, 4, 4)),
      (B.MaskedCoupling(B.alternating_mask(5, 0), _ShiftOnly(
          DenseShiftAndLogScale(5, dtype=dtype, seed=7)), bijector_fn), (5,)),
  ]


SCALE_ONLY = B.ElementwiseFactory("scale", ("log_scale",),
                                  lambda s: tfb.Scale(log_scale=s))


@pytest.mark.parametrize("inner", ["additive", "scale_only"])
def test_pluggable_inner_bijector_log_det_and_round_trip(inner):
  """NICE's additive coupling (volume preserving: log-det 0, yet not the
  identity) and a user's scale-only coupling, in all three coupling kinds,
  against the brute-force Jacobian in float64 and through tf.identity."""
  bijector_fn = B.elementwise.additive if inner == "additive" else SCALE_ONLY
  for bij, event in _inner_couplings(bijector_fn, tf.float64):
    ndims = len(event)
    x = _inputs("c", (3,) + event, tf.float64, seed=4)
    y = bij.forward(x)
    fldj = bij.forward_log_det_jacobian(x, event_ndims=ndims)
    fldj_bf = brute_force_log_det(bij.forward, x, ndims)
    ildj = bij.inverse_log_det_jacobian(tf.identity(y), event_ndims=ndims)
    ildj_bf = brute_force_log_det(bij.inverse, tf.identity(y), ndims)
    np.testing.assert_allclose(fldj, fldj_bf, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ildj, ildj_bf, rtol=1e-9, atol=1e-10)
    if inner == "additive":
      np.testing.assert_allclose(fldj, 0., atol=1e-12)
    else:
      assert np.min(np.abs(fldj.numpy())) > 1e-2
    assert max_rel_err(y, x) > 1e-3, bij.name  # not the identity
    x_back = bij.inverse(tf.identity(y))
    assert x_back is not x
    assert max_rel_err(x_back, x) <= 1e-12, bij.name
    # The kept entries pass through exactly, the others depend on them.
    with tf.GradientTape() as tape:
      tape.watch(x)
      out = bij.forward(x)
    jac = tape.batch_jacobian(out, x).numpy().reshape(
        3, int(np.prod(event)), int(np.prod(event)))
    assert np.abs(jac - np.eye(jac.shape[-1])).max() > 1e-2


def test_a_network_returning_the_wrong_count_of_parameters_is_named():
  coupling = B.SplitCoupling(0, ConvShiftAndLogScale(2),
                             B.elementwise.additive)
  with pytest.raises(TypeError, match=r"must return 1 tensor\(s\) \(shift\) "
                     "for the additive coupling; got tuple"):
    coupling.forward(tf.zeros((2, 4, 4, 4)))


# -- the multi-scale flow as one bijector, and the walk over it --------------

def test_multiscale_owns_its_networks_and_the_walk_finds_them_in_order():
  def network(spec):
    return ConvShiftAndLogScale(spec.out_channels, dtype=tf.float64,
                                seed=spec.index, name=f"net_{spec.index}")

  flow = B.MultiScale((8, 8, 2), 2, network, num_filters=4,
                      batch_norm_fn=lambda spec: B.BatchNormalization(
                          dtype=tf.float64, name=f"bn_{spec.index}"))
  nets = B.tree.networks(flow)
  assert [n.name for n in nets] == [f"net_{i}" for i in range(10)]
  specs = [s for scale in B.multiscale.plan((8, 8, 2), 2, 4) for part in scale
           for s in part]
  assert [s.index for s in specs] == list(range(10))
  assert [s.num_filters for s in specs] == [4] * 3 + [8] * 3 + [8] * 4
  assert len(B.tree.batch_norm_statistics(flow)) == 10
  encoder = tfb.Chain([flow, B.LogitTransform()])
  assert B.tree.networks(encoder) == nets  # the same objects, one owner
  x = _inputs("logit", (2, 8, 8, 2), tf.float64)
  fldj = encoder.forward_log_det_jacobian(x, event_ndims=3)
  np.testing.assert_allclose(fldj, brute_force_log_det(encoder.forward, x, 3),
                             rtol=1e-9)
  x_back = encoder.inverse(tf.identity(encoder.forward(x)))
  assert max_rel_err(x_back, x) < 1e-10
  assert len(flow.trainable_variables) == sum(
      len(n.trainable_weights) for n in nets)
