"""Parameter count of every preset (for the README table).

    python benchmarks/param_counts.py
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from tfp_realnvp import RealNVP  # noqa: E402
from tfp_realnvp.models import presets  # noqa: E402


def main():
  print("| preset | image | scales | res. blocks | filters | trainable | "
        "total |")
  print("|---|---|---|---|---|---|---|")
  for name, cfg in presets.PRESETS.items():
    model = RealNVP.from_preset(name)
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    h, w, c = cfg["image_shape"]
    print(f"| {name} | {h}x{w}x{c} | {cfg['num_scales']} | "
          f"{cfg['num_res_blocks']} | {cfg['num_filters']} | {trainable:,} | "
          f"{model.count_params():,} |", flush=True)


if __name__ == "__main__":
  main()
