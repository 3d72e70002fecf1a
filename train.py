"""Train, evaluate, sample from and export Real NVP models (in a checkout).

    python train.py --flagfile=flags/digits.flags     # digits, ~2 min on 2 CPU cores
    python train.py --flagfile=flags/cifar10.flags    # a paper run
    python train.py --mode=eval --model_dir=runs/digits
    python train.py --mode=sample --temperature=0.7 --model_dir=runs/digits
    python train.py --mode=export --export_dir=/tmp/realnvp --model_dir=runs/digits
    python train.py --strategy=mirrored --mixed_precision=bfloat16

The same command line as the installed `tfp-realnvp` (`tfp_realnvp/cli.py`):
its flags are made from `tfp_realnvp/job/config.py`, the job is
`tfp_realnvp/job/modes.py`.
"""

from tfp_realnvp import cli

if __name__ == "__main__":
  cli.run()
