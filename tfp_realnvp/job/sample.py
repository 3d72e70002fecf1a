"""`--mode=sample`: a sample grid at `--temperature`, and the model's other
figures (for images, the latent manifold), as PNGs in the model_dir; a
model with conditions draws one row per condition (`--conditions=PATH.npy`,
else the test split's first ones)."""

from tfp_realnvp import checks
from tfp_realnvp import figures
from tfp_realnvp import storage
from tfp_realnvp.data import BadInput
from tfp_realnvp.job import checkpoints
from tfp_realnvp.job import evaluation
from tfp_realnvp.job import resolve
from tfp_realnvp.job.resolve import BadSetting
from tfp_realnvp.job.model_dir import ModelDir
from tfp_realnvp.models import figures as model_figures


def _conditions(config, source, model):
  """The conditions to draw at: `--conditions`, else the data's own."""
  if model.condition_shape is None:
    if config.conditions:
      raise BadSetting("--conditions applies to models trained with "
                       "conditions; this one has none.")
    return None
  if not config.conditions:
    return source.figure_conditions(evaluation.figure_rows(config))
  try:
    arrays = storage.load_arrays(config.conditions)
    conditions = arrays.get("conditions", next(iter(arrays.values())))
  except (OSError, ValueError, StopIteration) as e:
    raise BadInput(f"--conditions={config.conditions} is not a readable "
                   f".npy/.npz file ({e}).") from None
  try:
    return checks.condition(conditions, model.condition_shape,
                            model.flow_dtype, validate_args=True).numpy(
                            ).reshape((-1,) + model.condition_shape)
  except ValueError as e:
    raise BadInput(f"--conditions={config.conditions}: {e}") from None


def run_sample(config):
  """Writes a sample figure at `temperature` and the model's extra figures
  (for images, the latent manifold); a model with conditions draws one row
  per condition."""
  source = resolve.source(config)
  model, path = checkpoints.load_model(config, source)
  conditions = _conditions(config, source, model)
  folder = ModelDir(config.model_dir)
  results = {"checkpoint": path, "samples_png": figures.write_png(
      model_figures.sample_figure(model, config.num_samples,
                                  config.temperature, config.seed,
                                  conditions),
      folder.join(f"samples_t{config.temperature:g}.png"))}
  for name, image in model_figures.extra_figures(
      model, config.seed, conditions).items():
    results[f"{name}_png"] = figures.write_png(image,
                                               folder.join(f"{name}.png"))
  return results
