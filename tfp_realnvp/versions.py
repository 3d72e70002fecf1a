"""The versions of TensorFlow, TFP, Keras and NumPy this package works with,
checked once, when its bijectors are first imported.

The ranges are the ones `setup.cfg` declares (read back from the installed
package's metadata, so they are written in one place); CI tests both ends
(`constraints.txt`, `constraints-min.txt`). pip keeps an install inside
them, but a user can step outside (`pip install --no-deps`, an upgrade of
Keras afterwards, a TensorFlow image with its own Keras), and outside them
this package is known to break: Keras before 3.7 lacks what training
uses, TFP 0.25 wants TensorFlow 2.18 or newer. The check says so in one
line, naming the versions found and the pip command that mends them,
instead of an `AttributeError` deep in a training step.
"""

import importlib
import importlib.metadata

from packaging.requirements import Requirement

__all__ = ["CHECKED", "declared", "mismatches", "message", "check"]

# Requirement name -> the module whose `__version__` is what runs.
CHECKED = {"tensorflow": "tensorflow",
           "tensorflow-probability": "tensorflow_probability",
           "keras": "keras", "numpy": "numpy"}


def declared(distribution="tfp_realnvp"):
  """{requirement name: SpecifierSet} of the installed package's own
  requirements (extras left out); {} when it is not installed (run from
  a checkout on sys.path)."""
  try:
    lines = importlib.metadata.requires(distribution) or []
  except importlib.metadata.PackageNotFoundError:
    return {}
  ranges = {}
  for line in lines:
    requirement = Requirement(line)
    if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
      ranges[requirement.name.lower()] = requirement.specifier
  return ranges


def mismatches(found, ranges):
  """[(name, version, specifier)] of the `found` versions ({name: version})
  outside their `ranges` ({name: SpecifierSet}). A pre-release (a nightly)
  is inside where PEP 440 puts it: 2.22.0rc1 in >=2.18, 0.26.0.dev in
  <0.26 not."""
  return [(name, version, ranges[name]) for name, version in found.items()
          if name in ranges and
          not ranges[name].contains(version, prereleases=True)]


def message(bad):
  """One line naming the `mismatches` and the pip command that mends them."""
  return ("tfp_realnvp does not work with " +
          ", ".join(f"{name} {version}" for name, version, _ in bad) +
          " (it needs " + ", ".join(f"{name}{spec}" for name, _, spec in bad) +
          "); install them with: pip install " +
          " ".join(f"'{name}{spec}'" for name, _, spec in bad))


def check():
  """Raises ImportError (`message`) if a checked version is outside its
  declared range."""
  ranges = declared()
  found = {name: importlib.import_module(module).__version__
           for name, module in CHECKED.items() if name in ranges}
  bad = mismatches(found, ranges)
  if bad:
    raise ImportError(message(bad))
