"""The Python API's edges: arguments checked where they enter, naming
themselves (eagerly `ValueError`, in graphs `InvalidArgumentError` with the
same words), degenerate calls that work, and densities that are -inf
outside their support."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from realnvp_testing import TINY_IMAGE as TINY
from realnvp_testing import TINY_VECTOR as VECTOR
from realnvp_testing import ConvShiftAndLogScale
from realnvp_testing import perturb_flow_model
from tfp_realnvp import RealNVP
from tfp_realnvp import VectorRealNVP
from tfp_realnvp import bijectors as B
from tfp_realnvp import checks
from tfp_realnvp.models import scoring

IMAGE_ARGS = [  # (argument, a refused value)
    ("image_shape", (4, 4)), ("image_shape", (4, 4, 0)),
    ("num_scales", 0), ("num_scales", 2.5), ("num_res_blocks", -1),
    ("num_filters", -3), ("num_filters", 0), ("num_levels", 1),
    ("alpha", 0.5), ("num_classes", 0), ("l2_coeff", -1.),
    ("dropout", 1.), ("seed", 1.5), ("dequantization", "logistic"),
    ("validate_args", "yes")]
VECTOR_ARGS = [
    ("num_features", 1), ("num_couplings", 0), ("hidden_units", 0),
    ("num_hidden_layers", 0), ("batch_norm", "no"), ("num_classes", 0),
    ("l2_coeff", math.nan), ("validate_args", 1)]


def _names(argument):
  """What the message must say: the argument, or image_shape's entry."""
  return "image_shape" if argument == "image_shape" else argument + " must be"


@pytest.mark.parametrize("argument, value", IMAGE_ARGS)
def test_realnvp_and_from_preset_refuse_each_argument_by_name(argument,
                                                              value):
  with pytest.raises(ValueError, match=_names(argument)):
    RealNVP(**{**TINY, argument: value})
  if argument != "image_shape" or len(value) == 3:
    with pytest.raises(ValueError, match=_names(argument)):
      RealNVP.from_preset("digits", **{argument: value})


@pytest.mark.parametrize("kwargs, message", [
    (dict(image_shape=(12, 12, 3), num_scales=4),
     r"12x12 cannot be squeezed 3 times \(num_scales=4\).*2\*\*\(num_scales-1\) = 8"),
    (dict(image_shape=(8, 8, 1), num_scales=0), "num_scales must be an integer >= 1; got 0"),
    (dict(image_shape=(8, 8), num_scales=2), r"image_shape must be \(height, width, channels\)"),
    (dict(image_shape=(8, 8, 0), num_scales=2), r"image_shape\[2\] must be an integer >= 1; got 0"),
])
def test_invalid_architectures_fail_at_construction(kwargs, message):
  with pytest.raises(ValueError, match=message):
    RealNVP(**kwargs)


def test_from_preset_refuses_unknown_names_and_overrides():
  with pytest.raises(ValueError, match="Unknown preset 'cifar'"):
    RealNVP.from_preset("cifar")
  with pytest.raises(ValueError, match=r"Unknown setting\(s\) \['filters'\]"):
    RealNVP.from_preset("digits", filters=4)


def test_one_list_of_settings_gives_config_architecture_and_job_flags():
  """`SETTINGS` is the source: get_config's keys, the architecture guard's
  keys, the job's model flags' rules and defaults; a class whose list and
  signature disagree does not define."""
  from tfp_realnvp.job import config as job_config
  from tfp_realnvp.models.settings import Setting
  from tfp_realnvp.models.settings import Settings
  for model_class in (RealNVP, VectorRealNVP):
    model = model_class(**(TINY if model_class is RealNVP else VECTOR))
    assert list(model.get_config()) == model_class.SETTINGS.names() + [
        "name", "dtype"]
    assert set(model.architecture()) == {
        s.name for s in model_class.SETTINGS if s.architecture}
    again = model_class.from_config(model.get_config())
    assert again.get_config() == {**model.get_config(), "name": again.name}
  for field in job_config.JobConfig.__dataclass_fields__.values():
    name = field.metadata.get("model_setting")
    if name:
      if field.metadata["models_default"]:
        assert field.default == RealNVP.SETTINGS.default(name), field.name
      assert job_config.RULES[field.name].below == (
          RealNVP.SETTINGS.get(name).rule.below)
  with pytest.raises(TypeError, match=r"SETTINGS lists .*'depth'.*takes"):
    class Wrong(VectorRealNVP):  # pylint: disable=unused-variable
      SETTINGS = VectorRealNVP.SETTINGS + Settings(
          Setting("depth", checks.Rule("integer"), "Not an argument."))


@pytest.mark.parametrize("argument, value", VECTOR_ARGS)
def test_vector_realnvp_refuses_each_argument_by_name(argument, value):
  with pytest.raises(ValueError, match=argument + " must be"):
    VectorRealNVP(**{**VECTOR, argument: value})


def _net(spec):
  return ConvShiftAndLogScale(spec.out_channels)


@pytest.mark.parametrize("make, error, name", [
    (lambda: B.LogitTransform(alpha=0.), ValueError, "alpha"),
    (lambda: B.BatchNormalization(momentum=1.), ValueError, "momentum"),
    (lambda: B.BatchNormalization(epsilon=0.), ValueError, "epsilon"),
    (lambda: B.Squeeze(ordered="yes"), ValueError, "ordered"),
    (lambda: B.FactorOut(inner=lambda x: x), TypeError, "inner"),
    (lambda: B.CheckerboardAffineCoupling(2, ConvShiftAndLogScale(1)),
     ValueError, "parity"),
    (lambda: B.CheckerboardAffineCoupling(0, "net"), TypeError,
     "shift_and_log_scale_fn"),
    (lambda: B.ChannelAffineCoupling(0, None), TypeError,
     "shift_and_log_scale_fn"),
    (lambda: B.MaskedAffineCoupling([0, 1], "net"), TypeError,
     "shift_and_log_scale_fn"),
    (lambda: B.MultiScale((8, 8, 1), 0, _net), ValueError, "num_scales"),
    (lambda: B.MultiScale((8, 8, -1), 2, _net), ValueError,
     r"image_shape\[2\]"),
    (lambda: B.MultiScale((8, 8, 1), 2, "net"), TypeError,
     "coupling_network_fn"),
    (lambda: B.MultiScale((8, 8, 1), 2, _net, num_filters=0), ValueError,
     "num_filters"),
    (lambda: B.MultiScale((8, 8, 1), 2, _net, batch_norm_fn=3), TypeError,
     "batch_norm_fn"),
])
def test_bijectors_refuse_bad_arguments_by_name(make, error, name):
  with pytest.raises(error, match=name + " must be"):
    make()


@pytest.fixture(scope="module")
def model():
  """A tiny image model with weights away from the identity."""
  keras.utils.set_random_seed(3)
  built = RealNVP(**TINY)
  perturb_flow_model(built)
  return built


@pytest.fixture(scope="module")
def checked(model):
  """The same function with validate_args=True."""
  twin = RealNVP(**TINY, validate_args=True)
  twin.set_weights(model.get_weights())
  return twin


def _inside(n=3, seed=0):
  return np.random.RandomState(seed).uniform(
      0.02, 0.98, (n,) + TINY["image_shape"]).astype(np.float32)


def test_sample_zero_is_an_empty_batch_and_bad_counts_are_named(model):
  assert model.sample(0).shape == (0, 4, 4, 1)
  assert model.sample(1, seed=0).shape == (1, 4, 4, 1)
  for n in (-1, 2.5, "3", True):
    with pytest.raises(ValueError, match=f"num_samples must be an integer "
                       rf">= 0; got {n!r}"):
      model.sample(n)
  traced = tf.function(model.sample,
                       input_signature=[tf.TensorSpec([], tf.int32)])
  assert traced(tf.constant(0)).shape == (0, 4, 4, 1)
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match="num_samples must be an integer >= 0"):
    traced(tf.constant(-1))


def test_temperature_must_be_positive_eagerly_and_in_graphs(model):
  for t in (0., -1., math.nan, "hot"):
    with pytest.raises(ValueError, match="temperature must be a number > 0"):
      model.sample(2, temperature=t)
  traced = tf.function(lambda t: model.sample(2, temperature=t, seed=1))
  assert traced(tf.constant(0.5)).shape == (2, 4, 4, 1)
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match="temperature must be a number > 0"):
    traced(tf.constant(0.))


def test_log_prob_is_minus_inf_outside_the_support_only(model):
  x = _inside(4)
  inside = model.log_prob(x).numpy()
  assert np.all(np.isfinite(inside))
  for value in (1.5, -0.1):
    bad = x.copy()
    bad[1, 2, 3, 0] = value
    out = model.log_prob(bad).numpy()
    assert out[1] == -math.inf
    np.testing.assert_array_equal(out[[0, 2, 3]], inside[[0, 2, 3]])
  traced = tf.function(model.log_prob, input_signature=[
      tf.TensorSpec([None, 4, 4, 1], tf.float32)])
  assert traced(bad).numpy()[1] == -math.inf
  np.testing.assert_allclose(traced(x), inside, rtol=1e-6)
  nan = x.copy()
  nan[0, 0, 0, 0] = np.nan  # documented: NaN in, NaN out
  assert np.isnan(model.log_prob(nan).numpy()[0])


def _gradients(model, log_prob, x):
  with tf.GradientTape() as tape:
    total = tf.reduce_sum(log_prob(x))
  return tape.gradient(total, model.trainable_weights)


def test_the_support_check_leaves_the_gradient_inside_unchanged(model):
  x = _inside(3)
  checked_grads = _gradients(model, model.log_prob, x)
  flow_grads = _gradients(model, lambda x: model.flow_log_prob(
      tf.constant(x)), x)
  for a, b in zip(checked_grads, flow_grads):
    if b is not None:
      np.testing.assert_array_equal(a, b)
  bad = x.copy()
  bad[0, 0, 0, 0] = 2.
  with tf.GradientTape() as tape:
    y = tf.constant(bad)
    tape.watch(y)
    total = tf.reduce_sum(model.log_prob(y)[1:])  # the examples inside
  assert np.all(np.isfinite(tape.gradient(total, y)))


def test_validate_args_turns_the_support_and_nan_into_errors(checked):
  x = _inside(2)
  assert np.all(np.isfinite(checked.log_prob(x)))
  bad, nan = x.copy(), x.copy()
  bad[1, 0, 0, 0], nan[0, 1, 1, 0] = 1.5, np.nan
  traced = {f: tf.function(f, input_signature=[
      tf.TensorSpec([None, 4, 4, 1], tf.float32)])
            for f in (checked.log_prob, checked.encode)}
  for f in (checked.log_prob, checked.encode):
    with pytest.raises(ValueError, match=r"x must be in \[0, 1\] \(the "
                       r"density's support\); got values in \[.*, 1.5\]"):
      f(bad)
    with pytest.raises(ValueError, match="x must not hold NaN; got 1 NaN"):
      f(nan)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"x must be in \[0, 1\]"):
      traced[f](bad)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="x must not hold NaN"):
      traced[f](nan)


def test_integer_input_to_the_density_is_refused_with_what_to_do(model):
  pixels = np.zeros((2, 4, 4, 1), np.uint8)
  for f in (model.log_prob, model.encode):
    with pytest.raises(ValueError, match=r"x must be floating point: the "
                       r"density is continuous; got uint8\. For integer "
                       r"pixels use bits_per_dim\(pixels\) or pass \(pixels "
                       r"\+ noise\) / 17"):
      f(pixels)
  vector = VectorRealNVP(**VECTOR)
  with pytest.raises(ValueError, match="x must be floating point"):
    vector.log_prob(np.zeros((2, 2), np.int32))


def test_empty_batches_and_batches_of_one(model):
  empty_pixels = np.zeros((0, 4, 4, 1), np.int32)
  for x in (_inside(1), _inside(0)):
    n = len(x)
    assert model.log_prob(x).shape == (n,)
    assert model.encode(x).shape == (n, 4, 4, 1)
    assert model.decode(x).shape == (n, 4, 4, 1)
  for pixels in (empty_pixels, np.ones((1, 4, 4, 1), np.int32)):
    n = len(pixels)
    assert model.bits_per_dim(pixels, seed=0).shape == (n,)
    assert model.importance_weighted_bits_per_dim(pixels, 2,
                                                  seed=0).shape == (n,)
  with pytest.raises(ValueError, match="num_samples must be an integer >= 1"):
    model.importance_weighted_bits_per_dim(empty_pixels, 0)
  vector = VectorRealNVP(**VECTOR)
  assert vector.log_prob(np.zeros((0, 2), np.float32)).shape == (0,)
  assert vector.sample(0).shape == (0, 2)


def test_labels_of_a_conditional_model_are_checked():
  model = RealNVP(**TINY, num_classes=3)
  x = _inside(2)
  assert model.log_prob(x, label=2).shape == (2,)  # one label for all
  assert model.log_prob(x[:0], label=np.zeros(0, np.int32)).shape == (0,)
  with pytest.raises(ValueError, match=r"label must be integers in \[0, 2\] "
                     r"\(num_classes=3\); got values in \[0, 5\]"):
    model.log_prob(x, label=[0, 5])
  with pytest.raises(ValueError, match="label must be integers.*got float32"):
    model.log_prob(x, label=[0., 1.])
  with pytest.raises(ValueError, match=r"label must be.*got values in \[-1"):
    model.sample(2, label=-1)
  with pytest.raises(tf.errors.InvalidArgumentError,
                     match=r"label must be integers in \[0, 2\]"):
    tf.function(lambda label: model.log_prob(x, label=label))(
        tf.constant([0, 3]))


def test_scores_over_data_sets_check_their_arguments(model):
  pixels = np.random.RandomState(0).randint(0, 17, (5, 4, 4, 1))
  assert np.isfinite(scoring.mean_score(model, pixels))
  for kwargs, name in ((dict(num_draws=0), "num_draws"),
                       (dict(batch_size=0), "batch_size"),
                       (dict(verbose=3), "verbose"),
                       (dict(labels=[0] * 5), "labels")):
    with pytest.raises(ValueError, match=name + " must be"):
      scoring.mean_score(model, pixels, **kwargs)
  with pytest.raises(ValueError, match=r"integer pixels in \[0, 16\]"):
    scoring.mean_score(model, pixels + 1)
  with pytest.raises(ValueError, match=r"data must have shape \(batch,\)"):
    scoring.mean_score(model, pixels[..., 0])
  for kwargs, name in ((dict(num_samples=0), "num_samples"),
                       (dict(num_samples=2, seed=1.5), "seed")):
    with pytest.raises(ValueError, match=name + " must be"):
      scoring.importance_weighted_score(model, pixels, **kwargs)


def test_errors_at_the_api_boundary_name_the_problem_also_in_graphs():
  model = RealNVP(**TINY)
  pixels = np.random.RandomState(0).randint(0, 17, (6, 4, 4, 1))
  with pytest.raises(ValueError, match=r"integer pixels in \[0, 16\] "
                     r"\(num_levels=17\); got values in \[1, 17\]"):
    model.bits_per_dim(pixels + 1)
  with pytest.raises(ValueError, match=r"shape \(batch,\) \+ \(4, 4, 1\)"):
    model.bits_per_dim(np.zeros((2, 8, 8, 1), np.int32))
  with pytest.raises(ValueError, match=r"x must have shape \(batch,\) \+ "
                     r"\(4, 4, 1\); got \(3, 4, 4\)"):
    model.log_prob(np.zeros((3, 4, 4), np.float32))
  scaled = np.random.RandomState(0).uniform(size=(2, 4, 4, 1))
  with pytest.raises(ValueError, match="got non-integer values. For images "
                     r"scaled to \[0, 1\], pass round\(x \* 16\)"):
    model.bits_per_dim(scaled)
  traced = tf.function(model.bits_per_dim, input_signature=[
      tf.TensorSpec([None, 4, 4, 1], tf.float32)])
  assert np.all(np.isfinite(traced(np.round(scaled * 16).astype(np.float32))))
  for bad, words in ((scaled, "non-integer"), (scaled * 0 + 17., "above 16"),
                     (scaled * 0 - 1., "negative")):
    with pytest.raises(tf.errors.InvalidArgumentError, match=words):
      traced(bad.astype(np.float32))
