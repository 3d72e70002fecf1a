"""Packaging shim: the metadata lives in setup.cfg. This file only adds what
setup.cfg cannot say: the checkout's `flags/` folder ships inside the package
as `tfp_realnvp.configs`, so `tfp-realnvp --config=cifar10` works from a wheel."""
import setuptools

setuptools.setup(
    packages=setuptools.find_packages(
        exclude=["tests", "tests.*", "benchmarks", "benchmarks.*"]) +
    ["tfp_realnvp.configs"],
    package_dir={"tfp_realnvp.configs": "flags"},
    package_data={"tfp_realnvp": ["data/*.npz"],
                  "tfp_realnvp.configs": ["*.flags"]},
)
