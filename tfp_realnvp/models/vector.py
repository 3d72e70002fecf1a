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
import numpy as np
import tensorflow as tf

from tfp_realnvp import bijectors as rnvp_bijectors
from tfp_realnvp import figures
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
  data_name = "points"

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
    nets, batch_norms, steps = [], [], []
    for i in range(self.num_couplings):
      net = networks.CouplingMLP(
          self.num_features, self.hidden_units, self.num_hidden_layers,
          num_classes=self.num_classes, dtype=self.dtype_policy,
          name=f"mlp_{i}")
      nets.append(net)
      steps.append(rnvp_bijectors.MaskedAffineCoupling(
          rnvp_bijectors.alternating_mask(self.num_features, i % 2), net,
          name=f"coupling_{i}"))
      if self.batch_norm:
        batch_norms.append(rnvp_bijectors.BatchNormalization(
            dtype=self.flow_dtype, name=f"batch_norm_{i}"))
        steps.append(batch_norms[-1])
    encoder = tfb.Chain(steps[::-1], name="encoder")  # data -> latent
    self._set_flow(encoder, (self.num_features,), nets, batch_norms)
    x = tf.zeros((1, self.num_features), self.flow_dtype)
    self(x if self.num_classes is None else
         {"x": x, "label": tf.zeros((1,), tf.int32)}, training=False)

  def call(self, inputs, training=None):
    """Negative log-likelihood per example, in nats."""
    x, label = self._split_inputs(inputs)
    return -self.log_prob(x, label)

  def sample_figure(self, num_samples, temperature=1.0, seed=0):
    """The density of the first two features (left, for 2-D data only) and
    a histogram of at least 20000 samples (right), over the samples' range."""
    samples = self.sample(max(num_samples, 20000), temperature,
                          seed=seed).numpy()[:, :2]
    low, high = np.percentile(samples, [0.5, 99.5], axis=0)
    margin = 0.15 * (high - low)
    extent = (low[0] - margin[0], high[0] + margin[0],
              low[1] - margin[1], high[1] + margin[1])
    log_prob = (lambda p: self.log_prob(p).numpy()) if (
        self.num_features == 2) else None
    return figures.density_and_samples(log_prob, samples, extent)

  def get_config(self):
    return {**super().get_config(), "num_features": self.num_features,
            "num_couplings": self.num_couplings,
            "hidden_units": self.hidden_units,
            "num_hidden_layers": self.num_hidden_layers,
            "batch_norm": self.batch_norm}
