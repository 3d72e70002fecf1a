"""The package as users install it: a wheel, its console script, its flagfiles."""

import json
import os
import re
import site
import subprocess
import sys

import pytest

from realnvp_testing import ROOT


@pytest.mark.versions
def test_a_wheel_installs_and_its_command_runs_from_an_empty_directory(
    tmp_path):
  dist = tmp_path / "dist"
  subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                  "--no-build-isolation", "-q", "-w", str(dist), ROOT],
                 check=True, capture_output=True, timeout=300)
  wheel, = dist.glob("tfp_realnvp-*.whl")
  # A fresh environment that sees the running interpreter's packages
  # (TensorFlow is large) but not this checkout: the wheel is installed into
  # it, not linked. `--system-site-packages` would not do: inside a virtual or
  # conda environment it shows the *base* interpreter's packages, not the ones
  # this suite runs with. A .pth file naming the running interpreter's
  # site-packages does, in any of the three; its plain path lines add those
  # folders without running their own .pth files, so the checkout's editable
  # install stays invisible.
  venv = tmp_path / "venv"
  subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                 timeout=300)
  _see_running_packages(venv)
  python, command = venv / "bin" / "python", venv / "bin" / "tfp-realnvp"
  subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps",
                  "--no-index", str(wheel)], check=True, capture_output=True,
                 timeout=300)
  empty = tmp_path / "empty"
  empty.mkdir()
  env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
  where = subprocess.run(
      [str(python), "-c", "import tfp_realnvp.cli as c; print(c.__file__); "
       "print(sorted(c.configs()))"], cwd=empty, env=env, capture_output=True,
      text=True, check=True, timeout=120).stdout.splitlines()
  assert where[0].startswith(str(venv)), where  # the wheel's copy
  assert "cifar10" in where[1] and "digits" in where[1]
  out = subprocess.run(
      [str(command), "--config=digits", "--epochs=1", "--steps_per_epoch=2",
       "--num_res_blocks=1", "--num_filters=4", "--eval_draws=1",
       "--sample_every=100", "--model_dir=run"], cwd=empty, env=env,
      capture_output=True, text=True, timeout=300)
  assert out.returncode == 0, out.stderr[-3000:]
  with open(empty / "run" / "results.json") as f:
    results = json.load(f)
  assert results["dataset"] == "digits" and results["steps"] == 2
  assert results["flags"]["time_limit"] == 95  # from the packaged flagfile
  bad = subprocess.run([str(command), "--config=cifar"], cwd=empty, env=env,
                       capture_output=True, text=True, timeout=120)
  assert bad.returncode == 1 and "unknown --config 'cifar'" in bad.stderr


def _see_running_packages(venv):
  """Makes `venv` see this interpreter's installed packages, after its own."""
  python = venv / "bin" / "python"
  venv_site = subprocess.run(
      [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
      check=True, capture_output=True, text=True, timeout=60).stdout.strip()
  folders = list(site.getsitepackages())
  if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
    folders.append(site.getusersitepackages())
  with open(os.path.join(venv_site, "_running_interpreter.pth"), "w") as f:
    f.write("".join(folder + "\n" for folder in folders))


# The repository's top level: the package's layout, CI and packaging files.
TOP_LEVEL = {"tfp_realnvp", "tests", "train.py", "flags", "setup.cfg",
             "setup.py", "README.md", "benchmarks", ".ci", "LICENSE",
             "pyproject.toml", ".gitignore", "MANIFEST.in"}


def test_the_repository_root_holds_the_package_layout_only():
  listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
  if listed.returncode != 0:
    pytest.skip(f"not a git checkout: {listed.stderr.strip()}")
  tops = {path.split("/")[0] for path in listed.stdout.splitlines()}
  stray = sorted(t for t in tops if t not in TOP_LEVEL and
                 not re.fullmatch(r"constraints[-\w]*\.txt", t))
  assert not stray, (
      f"committed at the root beyond the package's layout: {stray}; "
      "scratch files belong in tmp_path or /tmp")


@pytest.mark.versions
def test_versions_outside_the_declared_ranges_are_named_in_one_line():
  from tfp_realnvp import versions  # pylint: disable=g-import-not-at-top
  ranges = versions.declared()
  assert set(versions.CHECKED) <= set(ranges), ranges  # setup.cfg's, installed
  versions.check()  # what this suite runs with is inside them
  bad = versions.mismatches({"keras": "3.6.0", "tensorflow": "2.21.0",
                             "tensorflow-probability": "0.26.0.dev20261201"},
                            ranges)
  assert [name for name, _, _ in bad] == ["keras", "tensorflow-probability"]
  # The import itself refuses, in one line, with what to install.
  out = subprocess.run(
      [sys.executable, "-c", "import keras; keras.__version__ = '3.6.0'; "
       "import tfp_realnvp.bijectors"], capture_output=True, text=True,
      timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
  last = out.stderr.strip().splitlines()[-1]
  assert out.returncode == 1
  assert last.startswith("ImportError: tfp_realnvp does not work with keras "
                         "3.6.0 (it needs keras")
  assert f"pip install 'keras{ranges['keras']}'" in last
