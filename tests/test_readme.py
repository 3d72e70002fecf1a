"""Every code block of the README runs as written (with tiny model settings).

The blocks run in README order in one working folder that holds the
checkout's `train.py` and `flags/`, so later blocks use what earlier ones
wrote (the quick start's run, the export). Shell commands get tiny model and
training flags appended (the README's are the real ones); `pip install` is
what CI runs before the suite (in the virtual environment that the
`venv`/`activate` lines make, which is the one this suite runs in), and
`pytest` is this suite, so those are not run again. `text` blocks show output and are not run.
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


def readme_blocks():
  """[(language, code)] of the README's fenced blocks, in order."""
  with open(os.path.join(ROOT, "README.md")) as f:
    text = f.read()
  return re.findall(r"^```(\w+)\n(.*?)^```", text, re.S | re.M)


def _commands(block):
  """The shell commands of a bash block (`&&` splits one line into several)."""
  for line in block.splitlines():
    line = line.split("  #")[0].strip()
    if line and not line.startswith("#"):
      yield from (part.strip() for part in line.split("&&"))


def _user_data(folder):
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


def _tiny(command):
  """The flags appended to a README command: tiny settings for train.py,
  and 4 importance samples where it asks for 100 (100 over the digits' test
  split were a fifth of this test's time; the path is the same)."""
  if not command.startswith("python train.py"):
    return []
  return TINY_FLAGS + (["--importance_samples=4"] if "--importance_samples" in
                 command else [])


def test_every_readme_code_block_runs(tmp_path):
  os.symlink(os.path.join(ROOT, "train.py"), tmp_path / "train.py")
  os.symlink(os.path.join(ROOT, "flags"), tmp_path / "flags")
  _user_data(str(tmp_path))
  env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
  blocks = [(lang, code) for lang, code in readme_blocks()
            if lang in ("bash", "python")]
  assert len(blocks) >= 7
  ran = 0
  for lang, code in blocks:
    if lang == "python":
      commands = [[sys.executable, "-c", code]]
    else:
      commands = [shlex.split(c) + _tiny(c) for c in _commands(code)
                  if not c.startswith(NOT_RUN)]
      commands = [[sys.executable] + c[1:] if c[0] == "python" else c
                  for c in commands]
    for command in commands:
      out = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=600)
      assert out.returncode == 0, (command, out.stderr[-3000:])
      ran += 1
  assert ran >= 8
  assert (tmp_path / "runs" / "digits" / "flags.txt").exists()
  assert (tmp_path / "exported" / "saved_model.pb").exists()


def test_ci_runs_the_readme_install_and_test_commands_in_a_new_venv():
  """.ci/run holds the README's two "Tests" blocks, line for line, in that
  order (each line followed by `|| exit 1`; the second block's Python 3.10
  is found by .ci/run on the machine)."""
  section = re.search(r"^## Tests\n(.*?)(?=^## |\Z)",
                      open(os.path.join(ROOT, "README.md")).read(),
                      re.S | re.M).group(1)
  newest, lowest = [block.strip().splitlines() for block in
                    re.findall(r"^```bash\n(.*?)^```", section, re.S | re.M)]
  with open(os.path.join(ROOT, ".ci", "run")) as f:
    ci = [line.strip().removesuffix(" || exit 1") for line in f
          if not line.startswith("#")]
  assert newest[0].startswith("python3 -m venv")
  assert lowest[0].startswith("python3.10 -m venv .venv-min")
  assert '"$python_min" -m venv .venv-min && . .venv-min/bin/activate' in ci
  lines = newest + lowest[1:]
  where = [ci.index(line) for line in lines]
  assert where == sorted(where), (lines, ci)
