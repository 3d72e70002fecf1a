"""The command line: `tfp-realnvp` once installed, `python train.py` in a checkout.

    tfp-realnvp --config=digits                       # the digits job, ~2 min
    tfp-realnvp --config=cifar10 --data_dir=/data     # a paper run
    tfp-realnvp --mode=eval --model_dir=runs/digits
    tfp-realnvp --flagfile=runs/digits/flags.txt      # repeat a run

`--config=NAME` reads the packaged flagfile NAME (`CONFIGS`, the files of
the checkout's `flags/`); flags after it override it. Every other flag is a
setting of `tfp_realnvp/job/config.py` (`--help` lists them).

The output is the model_dir, one line per epoch (a progress bar on a
terminal), a progress line for the test score, and the results; TensorFlow's
start-up lines and INFO logs are silenced (`--verbosity=0` shows the logs).
"""

import os
import sys

from absl import app
from absl import flags
from absl import logging

from tfp_realnvp import quiet

_HERE = os.path.dirname(os.path.abspath(__file__))
# The flagfiles: packaged as tfp_realnvp/configs/ in a wheel (setup.py), the
# checkout's flags/ otherwise.
CONFIG_FOLDERS = (os.path.join(_HERE, "configs"),
                  os.path.join(os.path.dirname(_HERE), "flags"))


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
  config = job.from_flags()  # each flag was checked as it was parsed
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
  from tfp_realnvp import job  # pylint: disable=g-import-not-at-top
  job.define_flags()
  flags.adopt_module_key_flags(job.config)
  flags.DEFINE_string("config", None, "A packaged flagfile: one of "
                      f"{', '.join(sorted(configs()))} (as --flagfile).")
  app.run(_main, argv=expand_config(argv or sys.argv))
