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
from tfp_realnvp import checks
from tfp_realnvp.models import base
from tfp_realnvp.models import networks

tfb = base.tfb


@keras.saving.register_keras_serializable("tfp_realnvp")
class VectorRealNVP(base.FlowModel):
  """Real NVP on R^D; see the module docstring.

  Args:
    num_features: D >= 2.
    validate_args: refuse NaN inputs to `log_prob` and `encode` (an error
      naming them, also inside traced functions).
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
               l2_coeff=0., validate_args=False, **kwargs):
    super().__init__(l2_coeff=l2_coeff, num_classes=num_classes,
                     validate_args=validate_args, **kwargs)
    # Two features at least: a coupling splits them in halves.
    self.num_features = checks.integer(num_features, "num_features", 2)
    self.num_couplings = checks.integer(num_couplings, "num_couplings", 1)
    self.hidden_units = checks.integer(hidden_units, "hidden_units", 1)
    self.num_hidden_layers = checks.integer(num_hidden_layers,
                                            "num_hidden_layers", 1)
    self.batch_norm = checks.flag(batch_norm, "batch_norm")
    steps = []  # data -> latent
    for i in range(self.num_couplings):
      steps.append(rnvp_bijectors.MaskedAffineCoupling(
          rnvp_bijectors.alternating_mask(self.num_features, i % 2),
          networks.CouplingMLP(
              self.num_features, self.hidden_units, self.num_hidden_layers,
              num_classes=self.num_classes, dtype=self.dtype_policy,
              name=f"mlp_{i}"),
          validate_args=self.validate_args, name=f"coupling_{i}"))
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
    return -self.flow_log_prob(tf.cast(x, self.flow_dtype), label)

  def get_config(self):
    return {**super().get_config(), "num_features": self.num_features,
            "num_couplings": self.num_couplings,
            "hidden_units": self.hidden_units,
            "num_hidden_layers": self.num_hidden_layers,
            "batch_norm": self.batch_norm}
