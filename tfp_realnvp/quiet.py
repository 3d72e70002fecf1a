"""Importing TensorFlow without its start-up lines, for the command line.

TensorFlow 2.21's C++ code logs through absl before absl's logging is set up,
so its start-up lines ("oneDNN custom operations are on", "Could not find
cuda drivers", "All log messages before absl::InitializeLog() ...") reach
stderr whatever `TF_CPP_MIN_LOG_LEVEL` says. `import_tensorflow` points file
descriptor 2 at /dev/null for the import only; a Python error in the import
is still raised as usual. Library users are not affected: only the command
line calls it.
"""

import importlib
import os
import sys


def import_tensorflow():
  """Imports TensorFlow with stderr silenced during the import."""
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  if "tensorflow" in sys.modules:
    return
  sys.stderr.flush()
  saved = os.dup(2)
  # local-only: os.devnull, this process's own stderr, never a user path.
  devnull = os.open(os.devnull, os.O_WRONLY)
  try:
    os.dup2(devnull, 2)
    importlib.import_module("tensorflow")
  finally:
    os.dup2(saved, 2)
    os.close(saved)
    os.close(devnull)
