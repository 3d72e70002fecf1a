"""Every argument check of the public API, with one way of saying it.

A refused argument names itself, its value and the rule:
`num_filters must be an integer >= 1; got -3.` Constructors (the models,
`from_preset`, the bijectors) check their arguments with `integer`,
`number`, `choice` and `flag`, raising `ValueError` (`TypeError` for a
non-callable network). Calls check their tensors: eagerly they raise
`ValueError`; inside a traced function (a `tf.function`, a SavedModel) the
run-time part is an assert op raising `InvalidArgumentError` with the same
words (`tensors._assert`), instead of letting a wrong input come out as NaN.

    integer(v, name, minimum)            a Python/NumPy integer, not a bool
    number(v, name, minimum=, above=, below=)   a finite real number
    choice(v, name, choices), flag(v, name), callable_(v, name)
    Rule(...)(v, name)                   one of those as data: a setting's
                                         bounds, which the models' settings
                                         and the job's flags both check with
    num_samples(n)                       an integer >= 0 (a tensor in graphs)
    temperature(t)                       a number > 0 (a tensor in graphs)
    event_shape(x, shape, what)          (batch...,) + shape
    density_input(x, ...)                what `log_prob` / `encode` take
    labels(label, num_classes)           class labels of a conditional model
    condition(c, shape, dtype)           a condition: shape or batch + shape
    pixels(p, num_levels)                what `bits_per_dim` takes
    pixel_array(a, where, num_levels)    an array of images read from a
                                         file: integer (N, H, W[, C]) pixels
    pixel_span(a, num_levels)            the range test both share
"""

from tfp_realnvp.checks.arguments import Rule
from tfp_realnvp.checks.arguments import callable_
from tfp_realnvp.checks.arguments import choice
from tfp_realnvp.checks.arguments import flag
from tfp_realnvp.checks.arguments import integer
from tfp_realnvp.checks.arguments import number
from tfp_realnvp.checks.arguments import optional_integer
from tfp_realnvp.checks.tensors import asserted_event_shape
from tfp_realnvp.checks.tensors import condition
from tfp_realnvp.checks.tensors import density_input
from tfp_realnvp.checks.tensors import event_shape
from tfp_realnvp.checks.tensors import labels
from tfp_realnvp.checks.tensors import num_samples
from tfp_realnvp.checks.tensors import pixel_array
from tfp_realnvp.checks.tensors import pixel_span
from tfp_realnvp.checks.tensors import pixels
from tfp_realnvp.checks.tensors import temperature

__all__ = ["Rule", "asserted_event_shape", "callable_", "choice", "condition",
           "density_input", "event_shape", "flag", "integer", "labels",
           "num_samples", "number", "optional_integer", "pixel_array",
           "pixel_span", "pixels", "temperature"]
