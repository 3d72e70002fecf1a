"""Where the benchmark scripts keep the figures the README shows."""

import os
import shutil

from absl import flags

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def define_png_flag(name):
  """`--png`: where to copy the run's figure (default results/`name`; '' to skip)."""
  flags.DEFINE_string("png", os.path.join(RESULTS, name),
                      "Copy the run's figure here ('' to skip).")


def keep_png(results, png):
  """Copies the job's figure (`results["samples_png"]`) to `png`, if set."""
  if png:
    os.makedirs(os.path.dirname(png) or ".", exist_ok=True)
    results["png"] = shutil.copyfile(results["samples_png"], png)
  return results
