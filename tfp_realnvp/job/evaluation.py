"""`--mode=eval`, and the test score at the end of a training run.

`evaluate_and_write` scores the test split over `--eval_draws` noise draws
(and the importance-weighted bound with `--importance_samples`), draws a
sample grid and writes a TensorBoard scalar; the results name the data,
the settings and the package versions.
"""

import dataclasses
import math
import platform
import sys

import keras
import tensorflow as tf

from tfp_realnvp import figures
from tfp_realnvp import storage
from tfp_realnvp.job import batches
from tfp_realnvp.job import checkpoints
from tfp_realnvp.job import resolve
from tfp_realnvp.job.model_dir import ModelDir
from tfp_realnvp.job.model_dir import report_names
from tfp_realnvp.models import figures as model_figures
from tfp_realnvp.models import scoring


def run_eval(config):
  source = resolve.source(config, ready=True)
  model, path = checkpoints.load_model(config, source)
  results = evaluate_and_write(config, source, model,
                               ModelDir(config.model_dir))
  results["checkpoint"] = path
  return results


def evaluate_and_write(config, source, model, folder):
  """Test score over `eval_draws` noise draws, a sample grid, a TensorBoard
  scalar; results name the data, the settings and the package versions."""
  print(f"Test {model.metric_name}: {config.eval_draws} dequantization "
        "draw(s) over the test split ...", flush=True)
  verbose = 1 if sys.stdout.isatty() else 2
  test = batches.batched(config, source, "test", False)
  score = scoring.mean_score(model, test, num_draws=config.eval_draws,
                             verbose=verbose)
  scores = {report_names(model).test: score}
  if config.importance_samples:
    print(f"Test {model.metric_name}, importance-weighted: "
          f"{config.importance_samples} samples per image ...", flush=True)
    scores[report_names(model).test_importance_weighted] = (
        scoring.importance_weighted_score(
            model, test, config.importance_samples, seed=config.seed,
            verbose=verbose))
  png = figures.write_png(
      model_figures.sample_figure(
          model, config.num_samples, config.temperature, config.seed,
          source.figure_conditions(figure_rows(config))),
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
          "dataset": config.dataset, "conditioned_on": conditioned_on(model),
          "flags": dataclasses.asdict(config),
          "versions": _versions()}


def figure_rows(config):
  """Conditions in a sample figure: one row of samples each."""
  return max(1, int(math.sqrt(config.num_samples)))


def conditioned_on(model):
  """What the results say the model is conditioned on."""
  if model.condition_shape is not None:
    return f"conditions of shape {tuple(model.condition_shape)}"
  if model.num_classes is not None:
    return f"class labels ({model.num_classes} classes)"
  return "nothing"


def _versions():
  import tensorflow_probability as tfp  # pylint: disable=g-import-not-at-top
  import tfp_realnvp  # pylint: disable=g-import-not-at-top
  return {"tfp_realnvp": tfp_realnvp.__version__, "tensorflow": tf.__version__,
          "tensorflow_probability": tfp.__version__,
          "keras": keras.__version__, "python": platform.python_version()}
