"""The names of what a run reports, in one place: log columns, results, CSVs.

A model's metric (`model.metric_name`: `bits_per_dim` for images, `nll` for
vectors) is the root of every name: `fit` logs `val_<metric>`, results.json
holds `test_<metric>` (and `..._importance_weighted`), `best_val_<metric>`,
the score CSV has the `<metric>` columns.
"""

import dataclasses

__all__ = ["ReportNames", "of"]


@dataclasses.dataclass(frozen=True)
class ReportNames:
  """The names built on one metric name."""
  metric: str

  @property
  def validation(self):
    """What `fit` logs for the validation split (Keras' `val_` prefix)."""
    return f"val_{self.metric}"

  @property
  def best_validation(self):
    return f"best_{self.validation}"

  @property
  def test(self):
    return f"test_{self.metric}"

  @property
  def importance_weighted(self):
    return f"{self.metric}_importance_weighted"

  @property
  def test_importance_weighted(self):
    return f"test_{self.importance_weighted}"


def of(model):
  """The `ReportNames` of a model."""
  return ReportNames(model.metric_name)
