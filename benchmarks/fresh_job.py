"""The benchmark scripts' shared part: a fresh run of the training job with
the job's own flags (benchmark defaults), and the figure the README shows."""

import json
import os
import shutil

from absl import flags

from tfp_realnvp import cli
from tfp_realnvp import job

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def define_flags(png_name, **defaults):
  """The job's flags with `defaults`, and `--png`: where to copy the run's
  figure (default results/`png_name`; '' to skip)."""
  cli.define_flags(**defaults)
  flags.adopt_module_key_flags(cli)
  flags.DEFINE_string("png", os.path.join(RESULTS, png_name),
                      "Copy the run's figure here ('' to skip).")


def main(argv):
  """Empties --model_dir (a fresh run, not a resume), trains, copies the
  figure to --png, prints the results."""
  del argv
  config = cli.from_flags()
  shutil.rmtree(config.model_dir, ignore_errors=True)
  results = job.execute(config)
  png = flags.FLAGS.png
  if png:
    os.makedirs(os.path.dirname(png) or ".", exist_ok=True)
    results["png"] = shutil.copyfile(results["samples_png"], png)
  print(json.dumps(results, indent=1))
  return results
