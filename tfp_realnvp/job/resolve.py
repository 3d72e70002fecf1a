"""What a config means for its data: the one place settings become a model.

    source(config, ready)      the `data.Source` of `--dataset`
    model_spec(config, src)    the model's class and constructor arguments
    ModelSpec.build(model_dir) the model (in the caller's strategy scope),
                               its architecture checked against model_dir
    configure_runtime(c, s)    TensorFlow's runtime for that model

The data decide the event shape, the pixel levels and the classes; the
architecture is `--preset`'s, else the data set's own preset, else
`presets.CUSTOM`, with the `--num_*` overrides. A setting that does not fit
the data (labels for `--conditional`, an image option on vector data)
raises `BadSetting` naming it, before anything is written.
"""

import dataclasses
import typing

from tfp_realnvp import data
from tfp_realnvp import runtime
from tfp_realnvp.bijectors import multiscale
from tfp_realnvp.job.config import MIXED_PRECISION
from tfp_realnvp.job.model_dir import ModelDir
from tfp_realnvp.models import presets
from tfp_realnvp.models.image import RealNVP
from tfp_realnvp.models.vector import VectorRealNVP

__all__ = ["BadSetting", "ModelSpec", "source", "model_spec",
           "configure_runtime"]


class BadSetting(ValueError):
  """A setting that does not fit the data set (the message names it)."""


@dataclasses.dataclass(frozen=True)
class ModelSpec:
  """A model's class and constructor arguments."""
  model_class: type
  kwargs: typing.Mapping[str, typing.Any]

  def build(self, model_dir=None):
    """The model; a `model_dir` holds its architecture (config.json, written
    if new) or refuses it (`ModelDir.check_architecture`)."""
    model = self.model_class(**self.kwargs)
    if model_dir is not None:
      ModelDir(model_dir).check_architecture(model)
    return model

  def step_work(self, batch_size):
    """`runtime.plan`'s measure of a training step's size: batch x pixels x
    first-scale filters for image models, 0 for vector models."""
    if not self.model_class.kind.images:
      return 0
    height, width, _ = self.kwargs["image_shape"]
    return batch_size * height * width * self.kwargs["num_filters"]


def source(config, ready=False):
  """The `data.Source` of `config.dataset`; `ready`: prepared to read (else
  `DataUnavailable`, before anything is written; with `--download`, TFDS
  downloads it)."""
  if (config.mode == "train" and config.color_mode and
      not config.dataset.startswith("folder:")):
    raise BadSetting(f"--color_mode applies to folder: data (and "
                     f"--mode=score folders); {config.dataset} has its own.")
  out = data.get_source(config.dataset, config.data_dir, config.image_size,
                        config.color_mode, config.skip_bad_images,
                        index_dir=config.model_dir)
  if ready:
    out.prepare(download=config.download)
  return out


def _job_settings(config, model_class):
  """{model setting: value} of the config's fields that are model settings
  (`config._from_model`) and `model_class` takes; a model-section one it
  does not take, set to other than its default, is refused by name."""
  out = {}
  for field in dataclasses.fields(config):
    name = field.metadata.get("model_setting")
    value = getattr(config, field.name)
    if name is None:
      continue
    if model_class.SETTINGS.get(name):
      out[name] = value
    elif field.metadata["section"] == "model" and value != field.default:
      raise BadSetting(f"--{field.name} applies to the image models; the "
                       f"{config.dataset} model is a vector model.")
  return out


def model_spec(config, source):  # pylint: disable=redefined-outer-name
  """The `ModelSpec` `config` describes for `source`; see module docstring."""
  dtype = MIXED_PRECISION.get(config.mixed_precision, "float32")
  num_classes = condition_shape = None
  if config.conditional and source.condition_shape:
    condition_shape = source.condition_shape      # p(x | conditions)
  elif config.conditional:                        # p(x | label)
    try:
      source.check_labels()
    except ValueError as e:
      raise BadSetting(str(e)) from None
    num_classes = source.num_classes
  if source.is_vector:
    if config.importance_samples:
      raise BadSetting(f"--importance_samples applies to the image models; "
                       f"the {config.dataset} model is a vector model.")
    model_class = VectorRealNVP
    architecture = presets.VECTOR_PRESETS[source.preset]
  else:
    model_class = RealNVP
    name = config.preset or source.preset
    architecture = dict(presets.preset(name) if name else presets.CUSTOM,
                        image_shape=source.event_shape,
                        num_levels=source.num_levels)
  try:
    kwargs = model_class.SETTINGS.merge(
        architecture, dict(_job_settings(config, model_class),
                           num_classes=num_classes,
                           condition_shape=condition_shape))
    if not source.is_vector:
      # The architecture's own check (the image size against the scales),
      # before any work.
      multiscale.validate(kwargs["image_shape"], kwargs["num_scales"])
  except ValueError as e:
    raise BadSetting(str(e)) from None
  return ModelSpec(model_class, dict(kwargs, dtype=dtype))


def configure_runtime(config, spec):
  """Sets TensorFlow's runtime by `--runtime` for `spec`'s model (before
  TensorFlow starts); returns the `runtime.RuntimeSettings` set."""
  return runtime.configure(config.runtime, spec.step_work(config.batch_size),
                           jit_compile=bool(config.jit_compile))
