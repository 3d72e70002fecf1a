"""The modes that read a trained run: eval, sample, export, score.

`evaluate_and_write` is also the end of a training run: the test score over
`--eval_draws` noise draws (and the importance-weighted one), a sample grid,
a TensorBoard scalar.
"""

import csv
import dataclasses
import io
import os
import platform
import sys

import keras
import tensorflow as tf

from tfp_realnvp import figures
from tfp_realnvp import storage
from tfp_realnvp.data import BadInput
from tfp_realnvp.data import score_inputs
from tfp_realnvp.job import export
from tfp_realnvp.job import names
from tfp_realnvp.job import prepare
from tfp_realnvp.job import resolve
from tfp_realnvp.job.model_dir import ModelDir
from tfp_realnvp.models import figures as model_figures
from tfp_realnvp.models import scoring


def evaluate_and_write(config, source, model, folder):
  """Test score over `eval_draws` noise draws, a sample grid, a TensorBoard
  scalar; results name the data, the settings and the package versions."""
  print(f"Test {model.metric_name}: {config.eval_draws} dequantization "
        "draw(s) over the test split ...", flush=True)
  verbose = 1 if sys.stdout.isatty() else 2
  test = prepare.batched(config, source, "test", False)
  score = scoring.mean_score(model, test, num_draws=config.eval_draws,
                             verbose=verbose)
  scores = {names.of(model).test: score}
  if config.importance_samples:
    print(f"Test {model.metric_name}, importance-weighted: "
          f"{config.importance_samples} samples per image ...", flush=True)
    scores[names.of(model).test_importance_weighted] = (
        scoring.importance_weighted_score(
            model, test, config.importance_samples, seed=config.seed,
            verbose=verbose))
  png = figures.write_png(
      model_figures.sample_figure(model, config.num_samples,
                                  config.temperature, config.seed),
      folder.join("samples.png"))
  writer = tf.summary.create_file_writer(
      storage.join(folder.tensorboard, "test"))
  with writer.as_default():
    optimizer = getattr(model, "optimizer", None)
    step = int(optimizer.iterations.numpy()) if optimizer is not None else 0
    for name, value in scores.items():
      tf.summary.scalar(name, value, step=step)
  writer.close()
  return {**scores, "eval_draws": config.eval_draws,
          "samples_png": png, "parameters": int(model.count_params()),
          "dataset": config.dataset, "flags": dataclasses.asdict(config),
          "versions": _versions()}


def _versions():
  import tensorflow_probability as tfp  # pylint: disable=g-import-not-at-top
  import tfp_realnvp  # pylint: disable=g-import-not-at-top
  return {"tfp_realnvp": tfp_realnvp.__version__, "tensorflow": tf.__version__,
          "tensorflow_probability": tfp.__version__,
          "keras": keras.__version__, "python": platform.python_version()}


def run_eval(config):
  source = prepare.ready_source(config)
  model, path = prepare.load_model(config, source)
  results = evaluate_and_write(config, source, model,
                               ModelDir(config.model_dir))
  results["checkpoint"] = path
  return results


def run_sample(config):
  """Writes a sample figure at `temperature` and the model's extra figures
  (for images, the latent manifold)."""
  model, path = prepare.load_model(config)
  folder = ModelDir(config.model_dir)
  results = {"checkpoint": path, "samples_png": figures.write_png(
      model_figures.sample_figure(model, config.num_samples,
                                  config.temperature, config.seed),
      folder.join(f"samples_t{config.temperature:g}.png"))}
  for name, image in model_figures.extra_figures(model, config.seed).items():
    results[f"{name}_png"] = figures.write_png(image,
                                               folder.join(f"{name}.png"))
  return results


def run_export(config):
  model, path = prepare.load_model(config)
  out = export.export_saved_model(
      model, config.export_dir or storage.join(config.model_dir, "export"),
      overwrite=config.overwrite_export)
  return {"export_dir": out, "checkpoint": path}


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
  model, path = prepare.load_model(config, source)
  if model.num_classes is not None:
    raise BadInput("--mode=score scores p(x); this model is "
                   "class-conditional, p(x|y): score with an "
                   "unconditional model.")
  image_names, pixels = score_inputs.read_for_scoring(
      config.input, source.preprocess, model.image_shape, model.num_levels,
      skip_bad=config.skip_bad_images)
  means, bounds = scoring.scores_per_example(
      model, pixels, num_draws=config.eval_draws,
      num_samples=config.importance_samples, batch_size=config.batch_size,
      seed=config.seed, verbose=1 if sys.stdout.isatty() else 2)
  columns = {model.metric_name: means}
  if bounds is not None:
    columns[names.of(model).importance_weighted] = bounds
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


