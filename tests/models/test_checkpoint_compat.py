"""Checkpoints written before the bijector tree owned the flow still load.

`fixtures/checkpoints_08a4419/` holds weights files that commit 08a4419's code
wrote for each model kind (image, class-conditional, variational
dequantization, vector) with weights moved away from their initialisation,
and what that code computed from them (`make.py` there says how). Loaded by
today's code they must give the same numbers.
"""

import json
import os

import numpy as np
import pytest

from realnvp_testing import ROOT
from tfp_realnvp import RealNVP
from tfp_realnvp import VectorRealNVP

# CI runs these on the lowest admitted versions too (setup.cfg).
pytestmark = pytest.mark.versions

HERE = os.path.join(ROOT, "tests", "fixtures", "checkpoints_08a4419")


def _expected():
  with open(os.path.join(HERE, "expected.json")) as f:
    return json.load(f)


@pytest.mark.parametrize("kind", ["image", "conditional", "variational"])
def test_an_old_image_checkpoint_loads_and_scores_the_same(kind):
  expected = _expected()
  kwargs = expected["kinds"][kind]
  model = RealNVP(**kwargs)
  model.load_weights(os.path.join(HERE, f"{kind}.weights.h5"))
  pixels = np.array(expected["pixels"], np.int32)
  labels = (np.array(expected["labels"], np.int32)
            if "num_classes" in kwargs else None)
  got = model.bits_per_dim(pixels, label=labels, seed=7).numpy()
  np.testing.assert_allclose(got, expected["expected"][kind], rtol=1e-6)
  # Not vacuous: a freshly initialised model scores otherwise.
  fresh = RealNVP(**kwargs).bits_per_dim(pixels, label=labels, seed=7)
  assert np.max(np.abs(fresh.numpy() - got)) > 1e-2


def test_an_old_vector_checkpoint_loads_and_gives_the_same_log_prob():
  expected = _expected()
  model = VectorRealNVP(**expected["vector"])
  model.load_weights(os.path.join(HERE, "vector.weights.h5"))
  points = np.array(expected["points"], np.float32)
  np.testing.assert_allclose(model.log_prob(points).numpy(),
                             expected["expected"]["vector"], rtol=1e-6)
