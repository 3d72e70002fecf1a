"""Real NVP for vector data (2-D toy densities, tabular data), from the same pieces.

`VectorRealNVP(num_features)`: data -> latent is `num_couplings`
`MaskedAffineCoupling`s with alternating halves (`masks.alternating_mask`),
each with a `CouplingMLP` and optionally followed by the batch-norm bijector;
the base is a standard Normal on R^D. `call(x)` returns the negative
log-likelihood per example in nats, which `fit` minimises.

`model.bijector` (latent -> data) is an ordinary TFP bijector: use it, for
example, as the bijector of `tfp.mcmc.TransformedTransitionKernel` (NeuTra).
"""

import keras
import tensorflow as tf

from tfp_realnvp import bijectors as rnvp_bijectors
from tfp_realnvp.models import base
from tfp_realnvp.models import networks

tfb = base.tfb


@keras.saving.register_keras_serializable("tfp_realnvp")
class VectorRealNVP(base.FlowModel):
  """Real NVP on R^D; see the module docstring.

  Args:
    num_features: D >= 2.
    num_couplings: coupling layers (alternating parity).
    hidden_units, num_hidden_layers: the MLP of each coupling.
    batch_norm: follow each coupling with the batch-norm bijector.
    num_classes: if set, class-conditional (`{"x": x, "label": y}` inputs).
    l2_coeff: L2 penalty on the networks' `l2_weights()` (none: the MLPs
      have no weight-norm gains).
  """

  metric_name = "nll"

  def __init__(self, num_features, num_couplings=8, hidden_units=64,
               num_hidden_layers=2, batch_norm=True, num_classes=None,
               l2_coeff=0., **kwargs):
    super().__init__(l2_coeff=l2_coeff, num_classes=num_classes, **kwargs)
    if int(num_features) < 2:
      raise ValueError(f"num_features must be >= 2 to split it in halves; "
                       f"got {num_features}.")
    self.num_features = int(num_features)
    self.num_couplings = int(num_couplings)
    self.hidden_units = int(hidden_units)
    self.num_hidden_layers = int(num_hidden_layers)
    self.batch_norm = bool(batch_norm)
    steps = []  # data -> latent
    for i in range(self.num_couplings):
      steps.append(rnvp_bijectors.MaskedAffineCoupling(
          rnvp_bijectors.alternating_mask(self.num_features, i % 2),
          networks.CouplingMLP(
              self.num_features, self.hidden_units, self.num_hidden_layers,
              num_classes=self.num_classes, dtype=self.dtype_policy,
              name=f"mlp_{i}"),
          name=f"coupling_{i}"))
      if self.batch_norm:
        steps.append(rnvp_bijectors.BatchNormalization(
            dtype=self.flow_dtype, name=f"batch_norm_{i}"))
    self._set_flow(tfb.Chain(steps[::-1], name="encoder"))
    x = tf.zeros((1, self.num_features), self.flow_dtype)
    self(self.pack_inputs(x, None if self.num_classes is None else
                          tf.zeros((1,), tf.int32)), training=False)

  @property
  def event_shape(self):
    return (self.num_features,)

  def call(self, inputs, training=None):
    """Negative log-likelihood per example, in nats."""
    x, label = self.split_inputs(inputs)
    return -self.log_prob(x, label)

  def get_config(self):
    return {**super().get_config(), "num_features": self.num_features,
            "num_couplings": self.num_couplings,
            "hidden_units": self.hidden_units,
            "num_hidden_layers": self.num_hidden_layers,
            "batch_norm": self.batch_norm}
