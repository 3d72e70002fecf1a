# How these checkpoints were written, with the code of commit 08a4419 (before
# the bijector tree owned the flow): `git worktree add /tmp/old 08a4419 &&
# PYTHONPATH=/tmp/old python tests/data/checkpoints_08a4419/make.py`.
# expected.json holds what that code
# computed from the weights.
import json, os
import numpy as np, keras, tensorflow as tf
from tfp_realnvp import RealNVP, VectorRealNVP
out = os.path.dirname(os.path.abspath(__file__))
keras.utils.set_random_seed(3)
kinds = {
 "image": dict(image_shape=(8, 8, 1), num_scales=2, num_res_blocks=1, num_filters=4, num_levels=17, seed=0),
 "conditional": dict(image_shape=(8, 8, 1), num_scales=2, num_res_blocks=1, num_filters=4, num_levels=17, num_classes=3, seed=0),
 "variational": dict(image_shape=(8, 8, 1), num_scales=2, num_res_blocks=1, num_filters=4, num_levels=17, dequantization="variational", seed=0),
}
rng = np.random.RandomState(0)
pixels = rng.randint(0, 17, (6, 8, 8, 1)).astype(np.int32)
labels = np.array([0, 1, 2, 0, 1, 2], np.int32)
expected = {}
for name, kw in kinds.items():
  m = RealNVP(**kw)
  # weights away from their initialisation
  for w in m.weights:
    w.assign(w.numpy() + 0.05 * rng.standard_normal(w.shape).astype(w.dtype) if w.dtype == "float32" and "moving" not in w.path and "count" not in w.path else w.numpy())
  m.save_weights(f"{out}/{name}.weights.h5")
  lab = labels if "num_classes" in kw else None
  expected[name] = [float(v) for v in m.bits_per_dim(pixels, label=lab, seed=7).numpy()]
v = VectorRealNVP(2, num_couplings=4, hidden_units=8)
for w in v.weights:
  if "moving" not in w.path: w.assign(w.numpy() + 0.05 * rng.standard_normal(w.shape).astype(w.dtype))
v.save_weights(f"{out}/vector.weights.h5")
pts = rng.standard_normal((5, 2)).astype(np.float32)
expected["vector"] = [float(x) for x in v.log_prob(pts).numpy()]
json.dump({"pixels": pixels.tolist(), "labels": labels.tolist(), "points": pts.tolist(), "expected": expected, "kinds": {k: {**v2, "image_shape": list(v2["image_shape"])} for k, v2 in kinds.items()}, "vector": dict(num_features=2, num_couplings=4, hidden_units=8)}, open(f"{out}/expected.json", "w"), indent=1)
print(expected)
