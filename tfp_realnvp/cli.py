"""The command line: `tfp-realnvp` once installed, `python train.py` in a checkout.

    tfp-realnvp --config=digits                       # the digits job, ~2 min
    tfp-realnvp --config=cifar10 --data_dir=/data     # a paper run
    tfp-realnvp --mode=eval --model_dir=runs/digits
    tfp-realnvp --flagfile=runs/digits/flags.txt      # repeat a run

The whole command line is this module: one absl flag per `JobConfig`
setting (`define_flags`: help, default, and a validator running
`config.check_setting`, so a bad value is refused as it is parsed;
`from_flags` is the config they describe), `--config=NAME`, which reads the
packaged flagfile NAME (the files of the checkout's `flags/`; flags after
it override it), the summary print and the exit codes. The job itself is
`job.execute(config)`.

The output is the model_dir, one line per epoch (a progress bar on a
terminal), a progress line for the test score, and the results; TensorFlow's
start-up lines and INFO logs are silenced (`--verbosity=0` shows the logs).
"""

import dataclasses
import os
import sys
import typing

from absl import app
from absl import flags
from absl import logging

from tfp_realnvp import quiet

_HERE = os.path.dirname(os.path.abspath(__file__))
# The flagfiles: packaged as tfp_realnvp/configs/ in a wheel (setup.py), the
# checkout's flags/ otherwise.
CONFIG_FOLDERS = (os.path.join(_HERE, "configs"),
                  os.path.join(os.path.dirname(_HERE), "flags"))


_DEFINE = {bool: flags.DEFINE_bool, int: flags.DEFINE_integer,
           float: flags.DEFINE_float, str: flags.DEFINE_string}


def _base_type(annotation):
  """int for `int` and `typing.Optional[int]`."""
  args = [a for a in typing.get_args(annotation) if a is not type(None)]
  return args[0] if args else annotation


def define_flags(flag_values=flags.FLAGS, **defaults):
  """Defines one absl flag per `JobConfig` field, with its help and a
  validator running `check_setting`; `defaults` replace field defaults (a
  benchmark's own). Returns the names defined. (The job is imported here,
  not above: TensorFlow starts after `quiet.import_tensorflow`.)"""
  from tfp_realnvp.job import config  # pylint: disable=g-import-not-at-top
  hints = typing.get_type_hints(config.JobConfig)
  names = []
  for field in dataclasses.fields(config.JobConfig):
    help_text = field.metadata["help"]
    choices = config.RULES[field.name].choices
    if choices:
      help_text += f" One of: {', '.join(map(str, choices))}."
    _DEFINE[_base_type(hints[field.name])](
        field.name, defaults.get(field.name, field.default), help_text,
        flag_values=flag_values)

    def checker(value, field=field):
      error = config.check_setting(field, value)
      if error:
        raise flags.ValidationError(error)
      return True

    flags.register_validator(field.name, checker, flag_values=flag_values)
    names.append(field.name)
  return names


def from_flags(flag_values=flags.FLAGS):
  """The `JobConfig` the parsed flags describe."""
  from tfp_realnvp.job import config  # pylint: disable=g-import-not-at-top
  return config.JobConfig(**{f.name: flag_values[f.name].value
                             for f in dataclasses.fields(config.JobConfig)})


def configs():
  """{name: path} of the packaged flagfiles."""
  # local-only: the packaged flagfiles, inside the install or the checkout.
  folder = next((f for f in CONFIG_FOLDERS if os.path.isdir(f)), None)
  if folder is None:
    return {}
  return {name[:-len(".flags")]: os.path.join(folder, name)
          for name in sorted(os.listdir(folder)) if name.endswith(".flags")}


def expand_config(argv):
  """argv with each `--config=NAME` replaced by `--flagfile=<packaged NAME>`."""
  out = []
  for arg in argv:
    if arg.startswith("--config="):
      name = arg.split("=", 1)[1]
      known = configs()
      if name not in known:
        sys.exit(f"Error: unknown --config {name!r}; choose one of "
                 f"{', '.join(sorted(known))}.")
      arg = f"--flagfile={known[name]}"
    out.append(arg)
  return out


def _summary(results):
  """The results a person reads: scalars and paths, not the settings."""
  return "\n".join(f"{k}: {v:.4f}" if isinstance(v, float) else f"{k}: {v}"
                   for k, v in results.items()
                   if not isinstance(v, (dict, list)))


def _main(argv):
  from tfp_realnvp import job  # pylint: disable=g-import-not-at-top
  from tfp_realnvp import storage  # pylint: disable=g-import-not-at-top
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  if not flags.FLAGS["verbosity"].present:
    logging.set_verbosity(logging.ERROR)
  config = from_flags()  # each flag was checked as it was parsed
  print(f"model_dir: {storage.absolute(config.model_dir)}", flush=True)
  try:
    results = job.execute(config)
  except job.USER_ERRORS as e:  # the message says what to do
    sys.exit(f"Error: {e}")
  except job.Preempted as e:  # the state is saved: exit for a restart
    print(e, file=sys.stderr, flush=True)
    sys.exit(job.PREEMPTED_EXIT_CODE)
  print(_summary(results))


def run(argv=None):
  """The console script's entry point."""
  quiet.import_tensorflow()
  for name in define_flags():  # `--help` lists them (the main module's)
    flags.FLAGS.register_key_flag_for_module(sys.argv[0], flags.FLAGS[name])
  flags.DEFINE_string("config", None, "A packaged flagfile: one of "
                      f"{', '.join(sorted(configs()))} (as --flagfile).")
  app.run(_main, argv=expand_config(argv or sys.argv))
