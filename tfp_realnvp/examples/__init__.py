"""Runnable examples: `python -m tfp_realnvp.examples.<name>`."""
