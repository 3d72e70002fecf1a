"""The one list of a run's settings: defaults, bounds, help. Data only.

`JobConfig` is that list. Each field is a `_setting(section, default, help,
...)` with its bounds or choices, in one of `SECTIONS`, or a model's setting
(`_from_model`: its rule, default and help are `RealNVP.SETTINGS`'). The
command-line flags (`cli.define_flags`) are made from it; every bound is
checked by `check_setting`. The config builds and runs nothing: the job
interprets it (`modes.py`; the model's arguments: `resolve.py`). A run
stores its settings as JSON and as a flagfile (`as_flagfile`). The defaults
fit any data set; the digits job's own are `flags/digits.flags`.
"""

import dataclasses
import functools
import os
import typing

from tfp_realnvp import checks
from tfp_realnvp import data
from tfp_realnvp import runtime
from tfp_realnvp.data import preprocess
from tfp_realnvp.models import presets
from tfp_realnvp.models.image import RealNVP

MIXED_PRECISION = {"bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}
MODES = ("train", "eval", "sample", "export", "score")
STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")  # distribute.py
SECTIONS = ("job", "data", "model", "training", "evaluation", "export",
            "runtime")


def _setting(section, default, help_text, *, choices=None, minimum=None,
             above=None, below=None, check=None):
  """A field of `JobConfig`: its section, default, help, and what it may be.

  Args:
    section: one of `SECTIONS`.
    choices: the allowed values.
    minimum, above, below: bounds (minimum inclusive, the others not).
    check: callable(value) -> an error message, or None if the value is fine.

  The bounds become a `checks.Rule` (`RULES`, made once the field's type is
  known: an integer, a number, a flag or a string).
  """
  assert section in SECTIONS, section
  return dataclasses.field(default=default, metadata=dict(
      section=section, help=help_text, bounds=dict(
          choices=choices, minimum=minimum, above=above, below=below,
          check=check)))


_job, _data, _model, _training, _evaluation, _export, _runtime = (
    functools.partial(_setting, section) for section in SECTIONS)
_KEEP = object()


def _from_model(section, name, help_text=None, default=_KEEP):
  """A field that is the `RealNVP` setting `name` (`models/settings.py`):
  the model's rule and help, and its default unless `default` is given
  (None: the preset's value). `resolve.model_spec` passes it to the model."""
  setting = RealNVP.SETTINGS.get(name)
  models_default = default is _KEEP
  if models_default:
    default = RealNVP.SETTINGS.default(name)
  return dataclasses.field(default=default, metadata=dict(
      section=section, help=help_text or setting.help,
      rule=dataclasses.replace(setting.rule, optional=default is None),
      model_setting=name, models_default=models_default))


def _from_preset(name):
  """The model setting `name`, by default (None) the preset's."""
  return _from_model("model", name, RealNVP.SETTINGS.get(name).help +
                     " Default: the preset's, else the model's.", default=None)


@dataclasses.dataclass
class JobConfig:
  """What a run does; see each field's help (`python train.py --help`)."""
  # -- job ----------------------------------------------------------------
  mode: str = _job("train", "What to do.", choices=MODES)
  model_dir: typing.Optional[str] = _job(
      None, "Checkpoints, logs, samples, export (default: runs/<dataset>).")
  seed: int = _from_model(
      "job", "seed", "Seed of every random draw of the run: weights, "
      "dequantization noise, shuffling, augmentation, dropout, samples.",
      default=0)
  # -- data ---------------------------------------------------------------
  dataset: str = _data(
      "digits", f"Data set: one of {', '.join(data.DATASETS)}; or "
      "folder:PATH (image files, class subfolders give labels), npz:PATH "
      "(uint8 arrays), tfds:NAME[/CONFIG] (any TFDS image data set).",
      check=data.check_name)
  data_dir: typing.Optional[str] = _data(
      None, "TFDS data directory (and LSUN's lsun/ folder); default "
      "$TFDS_DATA_DIR or ~/tensorflow_datasets.")
  download: bool = _data(
      False, "Let TFDS download a missing data set (else the job says how "
      "to provide it and stops).")
  image_size: typing.Optional[int] = _data(
      None, "folder:, npz: and tfds: data: centre-crop to a square and "
      "resize (antialiased) to this size.", minimum=2)
  color_mode: typing.Optional[str] = _data(
      None, "folder: data and --mode=score folders: convert every image to "
      "this mode (default: rgb if any image has colour, else grayscale; "
      "score: the model's).", choices=tuple(preprocess.COLOR_MODES))
  skip_bad_images: bool = _data(
      False, "folder: data and --mode=score folders: leave out the files "
      "that cannot be decoded (named in the log) instead of refusing.")
  # -- model --------------------------------------------------------------
  preset: typing.Optional[str] = _model(
      None, "Architecture preset (default: the dataset's).",
      choices=tuple(sorted(presets.PRESETS)))
  num_scales: typing.Optional[int] = _from_preset("num_scales")
  num_res_blocks: typing.Optional[int] = _from_preset("num_res_blocks")
  num_filters: typing.Optional[int] = _from_preset("num_filters")
  dequantization: str = _from_model("model", "dequantization")
  coupling: typing.Optional[str] = _from_preset("coupling")
  normalization: typing.Optional[str] = _from_preset("normalization")
  permutation: typing.Optional[str] = _from_preset("permutation")
  conditional: bool = _model(
      False, "Train a conditional model: p(x|conditions) on data with "
      "conditions (npz: with a 'conditions' array), else p(x|y) on "
      "labelled data (digits, mnist, cifar10, folder: with class "
      "subfolders, npz: with labels); samples show one row per class or "
      "condition.")
  dropout: float = _from_model("model", "dropout")
  mixed_precision: typing.Optional[str] = _model(
      None, "Run the coupling networks in this dtype (bfloat16 on CPU/TPU, "
      "float16 on GPU); the flow, its log-dets, batch-norm statistics and "
      "the loss stay float32.", choices=tuple(MIXED_PRECISION))
  # -- training -----------------------------------------------------------
  batch_size: int = _training(
      64, "Global batch size (split over replicas).", minimum=1)
  epochs: int = _training(1000, "Maximum epochs.", minimum=1)
  steps_per_epoch: typing.Optional[int] = _training(
      None, "Steps per epoch (default: one pass over the training split).",
      minimum=1)
  time_limit: typing.Optional[float] = _training(
      None, "Seconds of training: stop after an epoch when one more would "
      "end past them (default, or 0: no limit).", minimum=0)
  early_stopping: typing.Optional[int] = _training(
      None, "Stop after this many epochs without a better validation score.",
      minimum=1)
  lr_plateau: typing.Optional[int] = _training(
      None, "Halve the learning rate after this many epochs without a "
      "better validation score.", minimum=1)
  learning_rate: float = _training(1e-3, "Adam's learning rate.", above=0)
  l2: float = _from_model("training", "l2_coeff",
                          "L2 coefficient (reference 5e-5).")
  keep_checkpoints: int = _training(
      3, "Per-epoch checkpoints to keep (the newest; 0: none). best and "
      "backup/ are kept besides.", minimum=0)
  save_every: float = _training(
      600., "Seconds between saves of the training state inside an epoch "
      "(besides epoch ends and SIGTERM/SIGINT; 0: none): what a kill -9 "
      "can lose.", minimum=0)
  lease_timeout: float = _training(
      120., "Seconds without renewal (every timeout/4 s) after which the "
      "model_dir's lease is stale and a new run takes over.", above=0)
  validation_draws: int = _training(
      1, "Dequantization draws of each epoch's validation score.", minimum=1)
  sample_every: int = _training(5, "Epochs between sample grids.", minimum=1)
  # -- evaluation ---------------------------------------------------------
  eval_draws: int = _evaluation(
      10, "Dequantization draws of the test score.", minimum=1)
  importance_samples: typing.Optional[int] = _evaluation(
      None, "Also report the K-sample importance-weighted test bits/dim "
      "(tighter than the 1-sample bound; --mode=eval, the end of training "
      "and --mode=score).", minimum=1)
  checkpoint: typing.Optional[str] = _evaluation(
      None, "Weights file for eval/sample/export (default: the model_dir's "
      "best).")
  temperature: float = _evaluation(1.0, "Sampling temperature.", above=0)
  conditions: typing.Optional[str] = _evaluation(
      None, "--mode=sample of a model with conditions: an .npy of them, "
      "one sample row each (default: the test split's first ones).")
  num_samples: int = _evaluation(64, "Samples in a grid.", minimum=1)
  input: typing.Optional[str] = _evaluation(
      None, "--mode=score: images to score, a folder of image files or an "
      ".npy/.npz array file (uint8 or integer pixels, (N, H, W[, C])).")
  output: typing.Optional[str] = _evaluation(
      None, "--mode=score: the CSV to write (default: "
      "model_dir/scores_<input name>.csv).")
  # -- export -------------------------------------------------------------
  export: bool = _export(True, "End a training run with its SavedModel "
                         "(--noexport: --mode=export writes it later).")
  export_dir: typing.Optional[str] = _export(
      None, "SavedModel folder (default: model_dir/export).")
  overwrite_export: bool = _export(False, "Replace an existing export_dir.")
  # -- runtime ------------------------------------------------------------
  jit_compile: typing.Optional[bool] = _runtime(
      None, "Compile the training step with XLA (default: Keras' auto, on "
      "for GPUs; on CPUs it measured slower than TensorFlow's own kernels).")
  strategy: str = _runtime(
      "default", "tf.distribute strategy: one device, the local devices, "
      "several workers (TF_CONFIG), or a TPU.", choices=STRATEGIES)
  tpu: str = _runtime(
      "", "--strategy=tpu: the TPU's name or grpc:// address ('' = local).")
  runtime: str = _runtime(
      "auto", "TensorFlow's runtime settings: auto (for small models on a "
      "CPU-only machine, one thread per operation, one operation per core "
      "at a time and no graph optimiser; TensorFlow's defaults otherwise: "
      "tfp_realnvp/runtime.py), default, or INTRA,INTER (thread counts).",
      check=runtime.check)

  def __post_init__(self):
    if self.model_dir is None:
      self.model_dir = os.path.join("runs", _folder_name(self.dataset))

  def validate(self):
    """Raises ValueError naming the first bad setting; returns self.

    Each setting on its own; what a setting means for a data set (labels
    for --conditional, an image option on vector data) is the job's to
    check when it resolves the model (`resolve.model_spec`).
    """
    for field in dataclasses.fields(self):
      error = check_setting(field, getattr(self, field.name))
      if error:
        raise ValueError(error)
    return self

  def sections(self):
    """{section: {setting: value}}, in `SECTIONS` order."""
    out = {section: {} for section in SECTIONS}
    for field in dataclasses.fields(self):
      out[field.metadata["section"]][field.name] = getattr(self, field.name)
    return out

  def to_json(self):
    """The settings as a JSON-able dict, by section (`settings.json`)."""
    return self.sections()

  @classmethod
  def from_json(cls, sections):
    """The config of a `to_json` dict; settings it lacks keep their
    defaults, settings this version does not know are dropped."""
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for values in sections.values()
                  for k, v in values.items() if k in known})

  def changes_from(self, other):
    """{setting: (other's value, this one's)} where the two differ."""
    mine, theirs = dataclasses.asdict(self), dataclasses.asdict(other)
    return {k: (theirs[k], v) for k, v in mine.items() if theirs[k] != v}

  def as_flagfile(self):
    """The settings as absl flagfile lines (`--flagfile` repeats the run)."""
    lines = []
    for field in dataclasses.fields(self):
      value = getattr(self, field.name)
      if value is not None:
        if isinstance(value, bool):
          value = str(value).lower()
        lines.append(f"--{field.name}={value}")
    return "\n".join(lines) + "\n"


def _folder_name(dataset):
  """runs/<this>: the data set's name, or the last part of a path or TFDS name."""
  kind, _, rest = dataset.partition(":")
  if not rest:
    return dataset
  base = os.path.basename(os.path.normpath(rest)).replace("/", "_")
  return f"{kind}_{os.path.splitext(base)[0] or 'data'}"


def check_setting(field, value):
  """The error message for `value` of a `JobConfig` field, or None if it
  is fine: its `checks.Rule`'s, in `checks`' words, named as a flag."""
  if value is None:
    return None if field.name in _OPTIONAL else f"--{field.name} is required."
  return RULES[field.name].problem(value, f"--{field.name}")


# Settings whose type admits None (`typing.Optional`): "not set".
_HINTS = typing.get_type_hints(JobConfig)
_OPTIONAL = {name for name, hint in _HINTS.items()
             if type(None) in typing.get_args(hint)}


def _rule(field):
  """The `checks.Rule` of a field: the model's, or made of its bounds."""
  if "rule" in field.metadata:
    return field.metadata["rule"]
  bounds = dict(field.metadata["bounds"])
  if bounds["choices"] is not None:
    kind = "choice"
  elif bounds["check"] is not None:
    kind = "any"
  else:
    base = [a for a in typing.get_args(_HINTS[field.name])
            if a is not type(None)] or [_HINTS[field.name]]
    kind = {int: "integer", float: "number", bool: "flag"}.get(base[0], "any")
  return checks.Rule(kind, optional=field.name in _OPTIONAL, **bounds)


# {setting: its checks.Rule}: what `check_setting` and the flags' help read.
RULES = {field.name: _rule(field) for field in dataclasses.fields(JobConfig)}
