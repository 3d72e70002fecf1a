"""Two moons with the vector Real NVP: a PNG of its density and its samples.

The training job itself on the `moons` data set, with the job's own flags
and this benchmark's defaults (40 epochs, batch 256, learning rate 2e-3).

    python benchmarks/two_moons.py --epochs=40 --model_dir=runs/two_moons

The figure is copied to `--png` (the README shows it).
"""

import json
import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

from tfp_realnvp import job  # noqa: E402

import figures  # noqa: E402  (benchmarks/figures.py)

job.define_flags(dataset="moons", epochs=40, batch_size=256, time_limit=None,
                 learning_rate=2e-3, sample_every=10 ** 6, eval_draws=1,
                 model_dir="runs/two_moons")
flags.adopt_module_key_flags(job.config)
figures.define_png_flag("two_moons.png")


def main(argv):
  del argv
  config = job.from_flags().validate()
  shutil.rmtree(config.model_dir, ignore_errors=True)
  results = job.execute(config)
  figures.keep_png(results, flags.FLAGS.png)
  print(json.dumps(results, indent=1))


if __name__ == "__main__":
  app.run(main)
