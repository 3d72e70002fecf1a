"""The command line of a job: one absl flag per `JobConfig` setting.

`define_flags()` defines them (help, default, and a validator calling
`config.check_setting`, so a bad value is refused as it is parsed);
`from_flags()` is the `JobConfig` they describe. The settings themselves,
their bounds and help, are `config.py`'s.
"""

import dataclasses
import typing

from absl import flags

from tfp_realnvp.job.config import JobConfig
from tfp_realnvp.job.config import RULES
from tfp_realnvp.job.config import check_setting

_DEFINE = {bool: flags.DEFINE_bool, int: flags.DEFINE_integer,
           float: flags.DEFINE_float, str: flags.DEFINE_string}


def _base_type(annotation):
  """int for `int` and `typing.Optional[int]`."""
  args = [a for a in typing.get_args(annotation) if a is not type(None)]
  return args[0] if args else annotation


def define_flags(flag_values=flags.FLAGS, **defaults):
  """Defines one absl flag per `JobConfig` field, with its help and a
  validator running `check_setting`; `defaults` replace field defaults (a
  benchmark's own). Returns the names defined."""
  hints = typing.get_type_hints(JobConfig)
  names = []
  for field in dataclasses.fields(JobConfig):
    help_text = field.metadata["help"]
    choices = RULES[field.name].choices
    if choices:
      help_text += f" One of: {', '.join(map(str, choices))}."
    _DEFINE[_base_type(hints[field.name])](
        field.name, defaults.get(field.name, field.default), help_text,
        flag_values=flag_values)

    def checker(value, field=field):
      error = check_setting(field, value)
      if error:
        raise flags.ValidationError(error)
      return True

    flags.register_validator(field.name, checker, flag_values=flag_values)
    names.append(field.name)
  return names


def from_flags(flag_values=flags.FLAGS):
  """The `JobConfig` the parsed flags describe."""
  return JobConfig(**{f.name: flag_values[f.name].value
                      for f in dataclasses.fields(JobConfig)})
