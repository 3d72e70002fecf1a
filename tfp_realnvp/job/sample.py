"""`--mode=sample`: a sample grid at `--temperature`, and the model's other
figures (for images, the latent manifold), as PNGs in the model_dir."""

from tfp_realnvp import figures
from tfp_realnvp.job import checkpoints
from tfp_realnvp.job.model_dir import ModelDir
from tfp_realnvp.models import figures as model_figures


def run_sample(config):
  """Writes a sample figure at `temperature` and the model's extra figures
  (for images, the latent manifold)."""
  model, path = checkpoints.load_model(config)
  folder = ModelDir(config.model_dir)
  results = {"checkpoint": path, "samples_png": figures.write_png(
      model_figures.sample_figure(model, config.num_samples,
                                  config.temperature, config.seed),
      folder.join(f"samples_t{config.temperature:g}.png"))}
  for name, image in model_figures.extra_figures(model, config.seed).items():
    results[f"{name}_png"] = figures.write_png(image,
                                               folder.join(f"{name}.png"))
  return results
