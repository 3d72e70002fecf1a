"""pytest's hooks and the shared fixtures; the helpers are `realnvp_testing`."""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

import realnvp_testing  # noqa: E402


def pytest_configure(config):
  """Two logical CPU devices, so the tf.distribute tests mirror over two
  replicas on a CPU-only machine (before any test starts TensorFlow's
  devices); the folder the workers' measured figures meet in."""
  tf.config.set_logical_device_configuration(
      tf.config.list_physical_devices("CPU")[0],
      [tf.config.LogicalDeviceConfiguration()] * 2)
  if not hasattr(config, "workerinput"):  # the controller, or no xdist
    os.environ["TFP_REALNVP_FIGURES"] = tempfile.mkdtemp(
        prefix="tfp_realnvp_figures_")


# The test files that take longest (worker-seconds of a CI run, 2026-12-06),
# longest first: pytest-xdist (`--dist loadfile`) hands whole files to its
# two workers in collection order, so these start first and the short files
# fill in at the end: both workers finish together.
LONGEST_FIRST = (
    "tests/data/test_data.py", "tests/job/test_long_runs.py",
    "tests/test_readme_sections.py", "tests/job/test_cloud_storage.py",
    "tests/job/test_distribute_and_faults.py", "tests/job/test_job.py",
    "tests/test_readme.py", "tests/job/test_job_beyond_the_paper.py",
    "tests/job/test_job_conditions.py", "tests/models/test_saving.py",
    "tests/models/test_flow_parts.py", "tests/data/test_user_images.py",
    "tests/models/test_conditional.py", "tests/models/test_model.py")


def pytest_collection_modifyitems(items):
  rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
  items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0],
                                       len(rank)))


@pytest.fixture(autouse=True)
def _seed():
  keras.utils.set_random_seed(1234)
  yield


@pytest.fixture
def tiny_flags():
  """train.py flags of the tiniest job (`realnvp_testing.TINY_FLAGS`)."""
  return list(realnvp_testing.TINY_FLAGS)


@pytest.fixture
def train_py():
  """`train_py(*flags)`: train.py in a subprocess (`realnvp_testing`)."""
  return realnvp_testing.train_py


def pytest_terminal_summary(terminalreporter):
  figures, measured = realnvp_testing.merged_figures()
  if figures:
    terminalreporter.section("measured figures")
    for what, value in figures.items():
      terminalreporter.write_line(f"{what}: {value}")
  if not measured:
    return
  keys = sorted({k for row in measured.values() for k in row})
  terminalreporter.section("measured exactness (max over tests)")
  terminalreporter.write_line("bijector".ljust(24) + "".join(k.rjust(26) for k in keys))
  for name in sorted(measured):
    row = measured[name]
    terminalreporter.write_line(
        name.ljust(24) + "".join(
            (f"{row[k]:.2e}" if k in row else "-").rjust(26) for k in keys))
