"""Parameter count and checkpoint size of every preset (for the README table).

    python benchmarks/param_counts.py

`checkpoint MB` is the size of one `.weights.h5` file of the compiled model
as the job writes it: the weights and Adam's two slots per weight. A run
keeps `--keep_checkpoints` (3) of them, `best.weights.h5`, and while it runs
two copies in `backup/`.
"""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from tfp_realnvp import RealNVP  # noqa: E402
from tfp_realnvp.models import presets  # noqa: E402


def main():
  print("| preset | image | scales | res. blocks | filters | trainable | "
        "total | checkpoint MB |")
  print("|---|---|---|---|---|---|---|---|")
  for name, cfg in presets.PRESETS.items():
    model = RealNVP.from_preset(name)
    model.compile()  # the job's checkpoints hold the optimizer's slots too
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    with tempfile.TemporaryDirectory() as d:
      path = os.path.join(d, "w.weights.h5")
      model.save_weights(path)
      megabytes = os.path.getsize(path) / 1e6
    h, w, c = cfg["image_shape"]
    print(f"| {name} | {h}x{w}x{c} | {cfg['num_scales']} | "
          f"{cfg['num_res_blocks']} | {cfg['num_filters']} | {trainable:,} | "
          f"{model.count_params():,} | {megabytes:.1f} |", flush=True)


if __name__ == "__main__":
  main()
