"""A model's settings: one list per model class, everything else derived from it.

Each constructor argument of a model is a `Setting`: its name, its rule
(`checks.Rule`: the bounds, checked once, in `checks`' words), its help,
and whether it defines the function the weights compute. A model class
lists them in `SETTINGS` (a `Settings`); from that one list come

    the constructor's checks       Settings.check(values)
    get_config()                   Settings.values(model)
    the architecture guard         Settings.architecture(model)
                                   (config.json; `Setting.architecture`)
    what an old model_dir lacks    Settings.added_later() (`Setting.since`)
    the presets' allowed keys      Settings.merge(base, overrides)
    the job's model flags          `job/config.py` reads a setting's rule,
                                   default and help (`Settings.default`)

The defaults are the constructor's own (its signature); a model class whose
signature and `SETTINGS` name different arguments fails at import
(`Settings.match`). Like big_vision's configs, a model's settings are data:
`Model(**settings)` builds it, `get_config()` gives them back.
"""

import dataclasses
import inspect
import typing

import keras

from tfp_realnvp import checks

__all__ = ["Setting", "Settings", "docstring"]


@dataclasses.dataclass(frozen=True)
class Setting:
  """One constructor argument of a model.

  Attributes:
    name: the argument's name.
    rule: what it may be (`checks.Rule`).
    help: one sentence for people (docstrings, `--help`).
    architecture: it changes the function the weights compute (a model_dir
      refuses another value); False for what only changes training (the
      L2 coefficient, dropout, the noise seed, validate_args).
    since: the version that added it; a model_dir written before has the
      default (so its config.json, which lacks it, still matches).
    layer: its value is a Keras layer (or None), which `values` serializes
      and `from_config` builds again (Keras' own serialization).
  """
  name: str
  rule: checks.Rule
  help: str
  architecture: bool = True
  since: typing.Optional[str] = None
  layer: bool = False   # a Keras layer: its config serialized by Keras


class Settings(tuple):
  """The settings of a model class, in its signature's order."""

  def __new__(cls, *settings):
    return super().__new__(cls, settings)

  def __add__(self, other):
    return Settings(*tuple.__add__(self, other))

  def names(self):
    return [s.name for s in self]

  def get(self, name):
    """The `Setting` called `name`, or None."""
    return next((s for s in self if s.name == name), None)

  def match(self, model_class):
    """Raises TypeError unless `model_class.__init__` takes exactly these
    arguments (besides `self` and Keras' `**kwargs`); returns self."""
    params = [p for p in inspect.signature(
        model_class.__init__).parameters.values()
              if p.name != "self" and p.kind != p.VAR_KEYWORD]
    if sorted(p.name for p in params) != sorted(self.names()):
      raise TypeError(f"{model_class.__name__}.SETTINGS lists "
                      f"{sorted(self.names())}; its constructor takes "
                      f"{sorted(p.name for p in params)}.")
    self._defaults = {p.name: p.default for p in params
                      if p.default is not p.empty}
    return self

  def default(self, name):
    """The constructor's default of `name` (KeyError if it has none)."""
    return self._defaults[name]

  def check(self, values):
    """{name: checked value} for the settings in `values` (a dict, e.g. the
    constructor's `locals()`); raises `ValueError` naming the first bad one."""
    return {s.name: s.rule(values[s.name], s.name) for s in self
            if s.name in values}

  def values(self, model):
    """{name: the model's value}: `get_config()`'s entries (layers as
    Keras' serialized configs)."""
    return {s.name: _serialized(s, getattr(model, s.name)) for s in self}

  def from_config(self, config):
    """`config` (`values`' form) with its layers built again."""
    return {k: (keras.saving.deserialize_keras_object(v)
                if v is not None and self.get(k) and self.get(k).layer
                else v) for k, v in config.items()}

  def architecture(self, model):
    """The entries that define the function (tuples as lists, as JSON has
    them): what config.json holds and a model_dir compares."""
    return {s.name: (list(v) if isinstance(v, tuple) else v)
            for s in self if s.architecture
            for v in [_serialized(s, getattr(model, s.name))]}

  def added_later(self):
    """{name: default} of the architecture settings added after 0.1.0: the
    values a model_dir written before them implicitly has."""
    return {s.name: self.default(s.name) for s in self
            if s.architecture and s.since}

  def merge(self, base, overrides):
    """`base` (a preset's arguments) with the `overrides` that are not None;
    an override that is not a setting is refused by name."""
    unknown = sorted(set(overrides) - set(self.names()))
    if unknown:
      raise ValueError(f"Unknown setting(s) {unknown}; the model takes "
                       f"{', '.join(self.names())}.")
    return {**base, **{k: v for k, v in overrides.items() if v is not None}}


def _serialized(setting, value):
  if setting.layer and value is not None:
    return keras.saving.serialize_keras_object(value)
  return value


def is_layer(value):
  """`checks.Rule`'s check of a layer setting: None or a Keras layer."""
  if not isinstance(value, keras.layers.Layer):
    return (f"condition_encoder must be a Keras layer (or None); got "
            f"{type(value).__name__}.")
  return None


def docstring(settings):
  """The "Settings:" section of a model class's docstring."""
  lines = ["", "  Settings:"]
  for s in settings:
    rule = s.rule.describe()
    lines.append(f"    {s.name}" + (f" ({rule})" if rule else "") +
                 f": {s.help}")
  return "\n".join(lines) + "\n"
