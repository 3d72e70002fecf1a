"""`--mode=score`: the bits/dim of each image of `--input`, as a CSV.

The images (a folder of image files or an .npy/.npz array) are read and
checked by `data/score_inputs.py` (with their conditions, for a model with
conditions), scored by `models/scoring.py` (batched,
with progress), and written with the column names of `model_dir.py`.
"""

import csv
import io
import os
import sys

from tfp_realnvp import storage
from tfp_realnvp.data import BadInput
from tfp_realnvp.data import score_inputs
from tfp_realnvp.job import checkpoints
from tfp_realnvp.job import resolve
from tfp_realnvp.job.model_dir import report_names
from tfp_realnvp.models import scoring


def _conditions(path, names, model):
  """The images' conditions for a model with a condition_shape (else None);
  missing or misshapen ones are refused by name."""
  if model.condition_shape is None:
    return None
  conditions = score_inputs.read_conditions(path, names)
  if conditions is None:
    raise BadInput(f"This model is p(x|conditions): give {path} its "
                   "conditions (a 'conditions' array in the .npz, or a "
                   "conditions.csv in the folder).")
  if tuple(conditions.shape[1:]) != tuple(model.condition_shape):
    raise BadInput(f"{path}: conditions of shape {conditions.shape[1:]}; the "
                   f"model takes {tuple(model.condition_shape)}.")
  return conditions


def run_score(config):
  """Writes a CSV of the bits/dim of each image of `--input` (a folder of
  image files or an array file), after the data set's preprocessing: the
  mean of `eval_draws` 1-sample bounds (the noise from the model's seed,
  `--seed`), and the importance-weighted bound if `--importance_samples`."""
  if not config.input:
    raise BadInput("--mode=score needs --input: a folder of images or an "
                   ".npy/.npz array file.")
  source = resolve.source(config)
  if source.is_vector:
    raise BadInput(f"--mode=score scores images; the {config.dataset} "
                   "model is a vector model.")
  model, path = checkpoints.load_model(config, source)
  if model.num_classes is not None:
    raise BadInput("--mode=score scores p(x) or p(x|conditions); this "
                   "model is class-conditional, p(x|y): score with an "
                   "unconditional model.")
  image_names, pixels = score_inputs.read_for_scoring(
      config.input, source.preprocess, model.image_shape, model.num_levels,
      skip_bad=config.skip_bad_images)
  conditions = _conditions(config.input, image_names, model)
  means, bounds = scoring.scores_per_example(
      model, pixels, num_draws=config.eval_draws,
      num_samples=config.importance_samples, batch_size=config.batch_size,
      seed=config.seed, verbose=1 if sys.stdout.isatty() else 2,
      conditions=conditions)
  columns = {model.metric_name: means}
  if bounds is not None:
    columns[report_names(model).importance_weighted] = bounds
  out = storage.absolute(config.output or storage.join(
      config.model_dir, "scores_" + os.path.splitext(
          storage.basename(config.input))[0] + ".csv"))
  table = io.StringIO(newline="")
  writer = csv.writer(table)
  writer.writerow(["image", *columns])
  for i, name in enumerate(image_names):
    writer.writerow([name, *(f"{c[i]:.6f}" for c in columns.values())])
  storage.write_text(out, table.getvalue())
  print(f"Wrote {out}: {len(image_names)} images, mean {model.metric_name} "
        f"{columns[model.metric_name].mean():.4f}.", flush=True)
  return {"scores_csv": out, "images": len(image_names), "checkpoint": path,
          **{f"mean_{k}": float(v.mean()) for k, v in columns.items()}}
