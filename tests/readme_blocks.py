"""The README's code blocks, and running them as a user would (tiny settings).

Shell commands get tiny model and training flags appended (the README's are
the real ones); `pip install` is what CI runs before the suite (in the
virtual environment that the `venv`/`activate` lines make, which is the one
this suite runs in), and `pytest` is this suite, so those are not run again.
`text` blocks show output and are not run.

The blocks split by section into two chains that share nothing, so the two
test files that run them (`tests/test_readme*.py`) run side by side:
`USES_THE_QUICK_START` (the quick start's run, its modes, the scores and the
export that later sections load) and the rest.
"""

import os
import re
import shlex
import subprocess
import sys

import numpy as np
import tensorflow as tf

from realnvp_testing import ROOT
from realnvp_testing import TINY_FLAGS

NOT_RUN = ("pip ", "python -m pytest", "python3 -m venv", "python3.10 -m venv",
           ". .venv/bin/activate", ". .venv-min/bin/activate")
USES_THE_QUICK_START = ("Quick start",
                        "Tighter scores, class-conditional models, scoring images",
                        "Export and serving")


def readme_text():
  with open(os.path.join(ROOT, "README.md")) as f:
    return f.read()


def blocks():
  """[(section, language, code)] of the README's bash and python blocks."""
  found, section = [], None
  for part in re.split(r"^(## .*)\n", readme_text(), flags=re.M):
    if part.startswith("## "):
      section = part[3:].strip()
      continue
    found += [(section, lang, code) for lang, code in
              re.findall(r"^```(\w+)\n(.*?)^```", part, re.S | re.M)
              if lang in ("bash", "python")]
  return found


def _commands(block):
  """The shell commands of a bash block (`&&` splits one line into several)."""
  for line in block.splitlines():
    line = line.split("  #")[0].strip()
    if line and not line.startswith("#"):
      yield from (part.strip() for part in line.split("&&"))


# The suite's tiny settings, with one scale: these runs check that each
# command runs as written (the multi-scale flow has its own tests), and a
# spline flow of two scales took a minute to trace.
README_FLAGS = TINY_FLAGS + ["--num_scales=1"]


def _tiny(command):
  """The flags appended to a README command: `README_FLAGS` for train.py,
  and 4 importance samples where it asks for 100 (100 over the digits' test
  split were a fifth of the README's time; the path is the same)."""
  if not command.startswith("python train.py"):
    return []
  return README_FLAGS + (["--importance_samples=4"] if "--importance_samples"
                         in command else [])


def _argv(lang, code):
  """The processes a block runs, as argv lists."""
  if lang == "python":
    return [[sys.executable, "-c", code]]
  commands = [shlex.split(c) + _tiny(c) for c in _commands(code)
              if not c.startswith(NOT_RUN)]
  return [[sys.executable] + c[1:] if c[0] == "python" else c
          for c in commands]


def user_data(folder):
  """The data the README's blocks name: my_images/, its .npz, my_digits.npy,
  my_conditions.npz and my_condition_rows.npy."""
  rng = np.random.RandomState(0)
  for label in ("a", "b"):
    os.makedirs(os.path.join(folder, "my_images", label))
    for i in range(10):
      image = rng.randint(0, 256, (12, 10, 3)).astype(np.uint8)
      tf.io.write_file(os.path.join(folder, "my_images", label, f"{i}.png"),
                       tf.io.encode_png(image))
  np.savez(os.path.join(folder, "my_images.npz"),
           images=rng.randint(0, 256, (40, 8, 8)).astype(np.uint8))
  np.save(os.path.join(folder, "my_digits.npy"),  # to score: 8x8 in 0..16
          rng.randint(0, 17, (5, 8, 8)).astype(np.uint8))
  np.savez(os.path.join(folder, "my_conditions.npz"),  # p(x | 3-vector)
           images=rng.randint(0, 17, (60, 8, 8)).astype(np.uint8),
           conditions=rng.normal(size=(60, 3)).astype(np.float32),
           num_levels=np.array(17))
  np.save(os.path.join(folder, "my_condition_rows.npy"),
          np.eye(3, dtype=np.float32))


def run(chosen, folder):
  """Runs the blocks in README order in `folder` (which gets the checkout's
  `train.py` and `flags/`, and the user data); returns how many processes
  ran. A failing process fails the test with its command and stderr."""
  os.symlink(os.path.join(ROOT, "train.py"), os.path.join(folder, "train.py"))
  os.symlink(os.path.join(ROOT, "flags"), os.path.join(folder, "flags"))
  user_data(folder)
  env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
  ran = 0
  for _, lang, code in chosen:
    for command in _argv(lang, code):
      out = subprocess.run(command, cwd=folder, env=env, capture_output=True,
                           text=True, timeout=600)
      assert out.returncode == 0, (command, out.stderr[-3000:])
      ran += 1
  return ran
