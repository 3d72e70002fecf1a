"""Architectures of the paper (section 4.1) and small ones for quick runs.

Paper: CIFAR-10 "8 residual blocks, 64 feature maps, and downscale only
once" (num_scales=2); ImageNet 32x32 "4 residual blocks with 32 hidden
feature maps" and scales down to 4x4 (num_scales=4); 64x64 images "only 2
residual blocks" (num_scales=5; 32 feature maps, the reference README's
value for LSUN and CelebA, which itself uses 4 blocks, against the paper).
The flow's other pieces (`coupling=`, `normalization=`, `permutation=`) are
the paper's unless a preset names them.
"""

PRESETS = {
    "cifar10": dict(image_shape=(32, 32, 3), num_scales=2, num_res_blocks=8,
                    num_filters=64, num_levels=256),
    "imagenet32": dict(image_shape=(32, 32, 3), num_scales=4,
                       num_res_blocks=4, num_filters=32, num_levels=256),
    "imagenet64": dict(image_shape=(64, 64, 3), num_scales=5,
                       num_res_blocks=2, num_filters=32, num_levels=256),
    "celeba": dict(image_shape=(64, 64, 3), num_scales=5, num_res_blocks=2,
                   num_filters=32, num_levels=256),
    "lsun": dict(image_shape=(64, 64, 3), num_scales=5, num_res_blocks=2,
                 num_filters=32, num_levels=256),
    "mnist": dict(image_shape=(28, 28, 1), num_scales=3, num_res_blocks=2,
                  num_filters=32, num_levels=256),
    "digits": dict(image_shape=(8, 8, 1), num_scales=2, num_res_blocks=2,
                   num_filters=32, num_levels=17),
}
# Glow's step (Kingma & Dhariwal 2018) in the digits' multi-scale flow:
# ActNorm, an invertible 1x1 convolution, then the affine coupling.
PRESETS["digits_glow"] = dict(PRESETS["digits"], normalization="actnorm",
                              permutation="conv1x1")


# Vector data: keyword arguments of `VectorRealNVP`.
VECTOR_PRESETS = {
    "moons": dict(num_features=2, num_couplings=8, hidden_units=64,
                  num_hidden_layers=2),
}


# The architecture of user data sets without a preset (`--dataset=folder:...`).
CUSTOM = dict(num_scales=2, num_res_blocks=4, num_filters=32)


def preset(name):
  """A copy of the `RealNVP` arguments of preset `name`; a dict is taken as
  they are (`RealNVP.from_preset` and the job apply overrides with
  `RealNVP.SETTINGS.merge`, which knows the allowed names)."""
  if isinstance(name, dict):
    return dict(name)
  if name not in PRESETS:
    raise ValueError(f"Unknown preset {name!r}; choose one of "
                     f"{', '.join(sorted(PRESETS))}.")
  return dict(PRESETS[name])
