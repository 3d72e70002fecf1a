"""Two moons with the vector Real NVP: a PNG of its density and its samples.

The training job itself on the `moons` data set, with the job's own flags
and this benchmark's defaults (40 epochs, batch 256, learning rate 2e-3).

    python benchmarks/two_moons.py --epochs=40 --model_dir=runs/two_moons

The figure is copied to `--png` (the README shows it).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import app  # noqa: E402

import fresh_job  # noqa: E402  (benchmarks/fresh_job.py)

fresh_job.define_flags("two_moons.png", dataset="moons", epochs=40,
                       batch_size=256, learning_rate=2e-3,
                       sample_every=10 ** 6, eval_draws=1,
                       model_dir="runs/two_moons")

if __name__ == "__main__":
  app.run(fresh_job.main)
