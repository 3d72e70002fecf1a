"""Real NVP for vector data (2-D toy densities, tabular data), from the same pieces.

`VectorRealNVP(num_features)`: data -> latent is `num_couplings`
`MaskedCoupling`s with alternating halves (`masks.alternating_mask`), each
with a `CouplingMLP`, optionally preceded by a learned invertible linear map
(`permutation="conv1x1"`: Glow's 1x1 convolution is a D x D matrix here) and
followed by a normalization (`batch_norm`, of the kind `normalization`
names); the base is a standard Normal on R^D. The couplings' inner map,
the normalization and the permutation are the image model's choices
(`flow_parts.py`); the defaults are the paper's affine couplings and batch
norm. `call(x)` returns the negative
log-likelihood per example in nats, which `fit` minimises.

`model.bijector` (latent -> data) is an ordinary TFP bijector: use it, for
example, as the bijector of `tfp.mcmc.TransformedTransitionKernel` (NeuTra).
"""

import keras
import tensorflow as tf

from tfp_realnvp import bijectors as rnvp_bijectors
from tfp_realnvp import checks
from tfp_realnvp.models import base
from tfp_realnvp.models import conditioning
from tfp_realnvp.models import flow_parts
from tfp_realnvp.models import networks
from tfp_realnvp.models.settings import Setting
from tfp_realnvp.models.settings import Settings

tfb = base.tfb


@keras.saving.register_keras_serializable("tfp_realnvp")
class VectorRealNVP(base.FlowModel):
  """Real NVP on R^D; see the module docstring.

  The constructor's arguments are `SETTINGS` (listed below with their
  rules); `**kwargs` are `keras.Model`'s (`name`, `dtype`).
  """

  metric_name = "nll"
  SETTINGS = base.FlowModel.SETTINGS + Settings(
      # Two features at least: a coupling splits them in halves.
      Setting("num_features", checks.Rule("integer", minimum=2),
              "D, the dimension of the data."),
      Setting("num_couplings", checks.Rule("integer", minimum=1),
              "Coupling layers (alternating halves)."),
      Setting("hidden_units", checks.Rule("integer", minimum=1),
              "Units of each hidden layer of a coupling's MLP."),
      Setting("num_hidden_layers", checks.Rule("integer", minimum=1),
              "Hidden layers of a coupling's MLP."),
      Setting("batch_norm", checks.Rule("flag"),
              "Follow each coupling with a normalization (`normalization`)."),
      Setting("seed", checks.Rule("integer", optional=True),
              "Seed of the conv1x1 permutations' initial rotations.",
              architecture=False, since="0.2.0")) + flow_parts.settings(
      "(a learned invertible D x D matrix, LU-factored).")

  def __init__(self, num_features, num_couplings=8, hidden_units=64,
               num_hidden_layers=2, batch_norm=True, num_classes=None,
               l2_coeff=0., validate_args=False, condition_shape=None,
               condition_encoder=None, coupling="affine",
               normalization="batch_norm", permutation="reference",
               seed=None, **kwargs):
    super().__init__(l2_coeff=l2_coeff, num_classes=num_classes,
                     validate_args=validate_args,
                     condition_shape=condition_shape,
                     condition_encoder=condition_encoder, **kwargs)
    self._set_settings(VectorRealNVP, locals())
    steps = []  # data -> latent
    inner, head = (flow_parts.inner(self.coupling),
                   flow_parts.head(self.coupling))
    for i in range(self.num_couplings):
      mixing = flow_parts.permutation(self.permutation, self.num_features,
                                      self.seed, self.flow_dtype, i)
      steps += [mixing] if mixing else []
      steps.append(rnvp_bijectors.MaskedCoupling(
          rnvp_bijectors.alternating_mask(self.num_features, i % 2),
          networks.CouplingMLP(
              self.num_features, self.hidden_units, self.num_hidden_layers,
              num_classes=self.num_classes,
              condition_shape=self.condition_features_shape,
              head=head, dtype=self.dtype_policy,
              name=f"mlp_{i}"),
          bijector_fn=inner,
          validate_args=self.validate_args, name=f"coupling_{i}"))
      if self.batch_norm:
        steps.append(flow_parts.normalization(self.normalization,
                                              self.flow_dtype, i))
    self._set_flow(tfb.Chain(steps[::-1], name="encoder"))
    x = tf.zeros((1, self.num_features), self.flow_dtype)
    self(self.pack_inputs(x, *conditioning.zeros(self)), training=False)

  @property
  def event_shape(self):
    return (self.num_features,)

  def call(self, inputs, training=None):
    """Negative log-likelihood per example, in nats."""
    x, given = self.split_inputs(inputs)
    return -self.flow_log_prob(tf.cast(x, self.flow_dtype), given)
