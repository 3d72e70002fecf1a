"""Throughput of training, `log_prob` and `sample`, and peak memory, per model
and execution mode; TFP's own `tfb.Glow` as the in-framework baseline.

    python benchmarks/speed.py                      # the whole table
    python benchmarks/speed.py --rows=cifar10_small:function,glow_small:function
    python benchmarks/speed.py --baseline=b9131f9   # old and new, side by side
    python benchmarks/speed.py --rows=digits:function,digits_spline:function
        # a coupling (or ActNorm, or 1x1 convolutions) against the affine
        # model of the same shape: `PIECES`, ratios printed at the end

Each row runs in a fresh process (so its peak resident memory is its own).
Thread pools and graph optimiser: `--threads=auto` (default) lets the
package choose them for the row's model as its jobs do
(`tfp_realnvp/runtime.py`; a revision without that module keeps
TensorFlow's defaults), `default` keeps TensorFlow's, `I,J` sets the pools. `--baseline=REV` checks out the git revision
REV in a worktree (`/tmp/tfp_realnvp_baseline_REV`) and runs every row with
that revision's package too, right before the current one's, and prints
both with their ratios (current / baseline). Per row:

  train     examples/s of the full training step (dequantization, forward,
            loss, gradients, clipping, Adam) under Keras `fit` for Real NVP,
            a `tf.GradientTape` step for Glow (its layers are tf_keras ones,
            which Keras 3's `fit` cannot train); the median step time after
            the first (tracing/compiling) step;
  log_prob  examples/s of `model.log_prob` (batch-norm moving averages);
  sample    examples/s of `model.sample`;
  traces    how many times the training step was traced during the run
            (1 = no retracing per batch; eager rows run Python every step);
  first     seconds of the first training step (trace + compile + run);
  peak GB   the process's peak resident memory;
  GFLOP/ex  convolution FLOPs of one training example: 3x those of the
            forward convolutions counted in the traced `log_prob` graph
            (forward, gradient to the inputs, gradient to the filters);
  GFLOP/s   GFLOP/ex times train examples/s, to compare with the ceilings
            printed above the table (same threads): a 4096^3 float32
            matmul, and one 3x3 convolution of the 32-filter rows' size.

Modes: eager (`run_eagerly=True`), function (`tf.function`), xla
(`jit_compile=True`).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MODELS = {
    # name: (description, RealNVP preset, overrides) or Glow settings
    "digits": ("digits preset, 8x8x1", "digits", {}),
    "digits_small": ("8x8x1, 2 scales, 16 filters, 4 blocks", "digits",
                     dict(num_filters=16, num_res_blocks=4)),
    "cifar10": ("cifar10 preset, 32x32x3, 64 filters, 8 blocks", "cifar10", {}),
    "cifar10_small": ("32x32x3, 2 scales, 32 filters, 4 blocks", "cifar10",
                      dict(num_filters=32, num_res_blocks=4)),
    "imagenet32": ("imagenet32 preset, 32x32x3, 4 scales", "imagenet32", {}),
}
# The couplings and Glow's pieces (`RealNVP(coupling=, normalization=,
# permutation=)`) on the digits and cifar10-small shapes: compared with
# their shape's affine row in the same run (revisions before 0.2.0 lack them).
PIECES = {
    "spline": dict(coupling="spline"),
    "mixture": dict(coupling="logistic_mixture"),
    "additive": dict(coupling="additive"),
    "actnorm": dict(normalization="actnorm"),
    "conv1x1": dict(normalization="actnorm", permutation="conv1x1"),
}
for _shape in ("digits", "cifar10_small"):
  for _piece, _settings in PIECES.items():
    _description, _preset, _overrides = MODELS[_shape]
    MODELS[f"{_shape}_{_piece}"] = (
        f"{_description}; " + ", ".join(f"{k}={v}"
                                        for k, v in _settings.items()),
        _preset, dict(_overrides, **_settings))
MODELS.update({
    # tfb.Glow, 2 levels like num_scales=2, GlowDefaultNetwork with
    # `hidden` channels; steps chosen for the parameter count of the
    # matching Real NVP row.
    "glow_cifar10": ("tfb.Glow, 32x32x3, 2 blocks x 20 steps, 600 hidden",
                     dict(blocks=2, steps=20, hidden=600), "cifar10"),
    "glow_small": ("tfb.Glow, 32x32x3, 2 blocks x 4 steps, 400 hidden",
                   dict(blocks=2, steps=4, hidden=400), "cifar10_small"),
})
MODES = ("eager", "function", "xla")
DEFAULT_ROWS = [f"{m}:{mode}" for m in ("digits_small", "digits",
                                        "cifar10_small", "cifar10",
                                        "imagenet32")
                for mode in MODES] + [
    "glow_small:function", "glow_small:xla", "glow_cifar10:function",
    "glow_cifar10:xla"]


def _peak_gb():
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20


def _rate(batch, seconds):
  return batch / seconds if seconds else float("nan")


def _median(values):
  values = sorted(values)
  return values[len(values) // 2]


def _timed(fn, repeats):
  """Median seconds of `fn()` over `repeats` calls after a first (warm-up) one."""
  fn()
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    fn()
    times.append(time.perf_counter() - start)
  return _median(times)


def conv_gflop(log_prob, x):
  """Forward convolution GFLOP per example of `log_prob`, from the Conv2D ops
  of its graph at batch 1: 2 x output entries x kernel height x width x
  input channels."""
  import numpy as np
  import tensorflow as tf
  graph = tf.function(log_prob).get_concrete_function(
      tf.TensorSpec((1,) + tuple(x.shape[1:]), x.dtype)).graph
  return sum(2. * np.prod(op.outputs[0].shape) *
             np.prod(op.inputs[1].shape[:3])
             for op in graph.get_operations() if op.type == "Conv2D") / 1e9


def run_ceiling():
  """GFLOP/s of a 4096^3 float32 matmul: what these cores can reach."""
  import tensorflow as tf
  a, b = tf.random.normal([4096, 4096]), tf.random.normal([4096, 4096])
  matmul = tf.function(lambda: tf.matmul(a, b))
  return 2 * 4096 ** 3 / _timed(lambda: matmul().numpy(), 5) / 1e9


def run_conv(dtype_name, batch):
  """GFLOP/s of one 3x3 convolution, 32 -> 32 channels at 32x32 (the
  32-filter rows' first scale), forward and both gradients, in `dtype`."""
  import tensorflow as tf
  dtype = tf.as_dtype(dtype_name)
  x = tf.Variable(tf.random.normal([batch, 32, 32, 32]))
  w = tf.Variable(tf.random.normal([3, 3, 32, 32]) * 0.1)

  @tf.function
  def step():
    with tf.GradientTape() as tape:
      y = tf.nn.conv2d(tf.cast(x, dtype), tf.cast(w, dtype), 1, "SAME")
      loss = tf.reduce_sum(tf.square(tf.cast(y, tf.float32)))
    return tape.gradient(loss, [x, w])

  flops = 3 * 2 * batch * 32 * 32 * 9 * 32 * 32
  return flops / _timed(lambda: [g.numpy() for g in step()], 5) / 1e9


def run_realnvp(name, mode, batch, steps):
  import keras
  import numpy as np
  import tensorflow as tf

  from tfp_realnvp import RealNVP
  from tfp_realnvp.models import default_optimizer

  _, preset, overrides = MODELS[name]
  model = RealNVP.from_preset(preset, **overrides)
  h, w, c = model.image_shape
  traces = [0]
  train_step = model.train_step

  def counting_train_step(data):
    traces[0] += 1
    return train_step(data)

  model.train_step = counting_train_step
  model.compile(optimizer=default_optimizer(), run_eagerly=mode == "eager",
                jit_compile=mode == "xla")
  rng = np.random.RandomState(0)
  pixels = rng.randint(0, model.num_levels, (batch * (steps + 1), h, w, c))
  ends = []

  class Clock(keras.callbacks.Callback):

    def on_train_batch_begin(self, step, logs=None):
      ends.append(("begin", time.perf_counter()))

    def on_train_batch_end(self, step, logs=None):
      ends.append(("end", time.perf_counter()))

  model.fit(tf.data.Dataset.from_tensor_slices(pixels.astype(np.int32))
            .batch(batch), epochs=1, verbose=0, callbacks=[Clock()])
  step_times = [ends[i + 1][1] - ends[i][1] for i in range(0, len(ends), 2)]
  x = tf.constant(rng.uniform(0.01, 0.99, (batch, h, w, c)), tf.float32)
  return _results(int(model.count_params()), step_times, traces[0], mode,
                  batch, model.log_prob, lambda: model.sample(batch), x)


def _results(params, step_times, traces, mode, batch, log_prob, sample, x):
  """The row: training rates from `step_times`, and `log_prob(x)` and
  `sample()` timed in `mode`."""
  import tensorflow as tf
  train_gflop = 3. * conv_gflop(log_prob, x)
  if mode != "eager":
    log_prob = tf.function(log_prob, jit_compile=mode == "xla")
    sample = tf.function(sample, jit_compile=mode == "xla")
  repeats = 2 if mode == "eager" else 5
  return {
      "params": params,
      "train": _rate(batch, _median(step_times[1:])),
      "first": step_times[0],
      "log_prob": _rate(batch, _timed(lambda: log_prob(x), repeats)),
      "sample": _rate(batch, _timed(sample, repeats)),
      "traces": traces if mode != "eager" else "-",
      "train_gflop": train_gflop,
  }


def run_glow(name, mode, batch, steps):
  import numpy as np
  import tensorflow as tf
  import tensorflow_probability as tfp
  import tf_keras

  tfb, tfd = tfp.bijectors, tfp.distributions
  _, cfg, _ = MODELS[name]
  shape = (32, 32, 3)
  glow = tfb.Glow(
      output_shape=shape, num_glow_blocks=cfg["blocks"],
      num_steps_per_block=cfg["steps"],
      coupling_bijector_fn=lambda s: tfb.GlowDefaultNetwork(
          s, num_hidden=cfg["hidden"]),
      exit_bijector_fn=tfb.GlowDefaultExitNetwork)
  base = tfd.Sample(tfd.Normal(0., 1.), glow.inverse_event_shape(shape))
  dist = tfd.TransformedDistribution(base, glow)
  optimizer = tf_keras.optimizers.Adam(1e-3, global_clipnorm=100.)
  rng = np.random.RandomState(0)
  alpha = 0.05

  def logit_data(pixels):
    # The same preprocessing as Real NVP: dequantize, logit(alpha + (1-2a)y).
    y = (tf.cast(pixels, tf.float32) + tf.random.uniform(pixels.shape)) / 256.
    return tf.math.log(alpha + (1 - 2 * alpha) * y) - tf.math.log1p(
        -(alpha + (1 - 2 * alpha) * y))

  dist.log_prob(logit_data(tf.zeros((1,) + shape, tf.int32)))  # variables
  variables = dist.trainable_variables
  optimizer.build(variables)  # slots now: one trace, as for Real NVP
  traces = [0]

  def step(pixels):
    traces[0] += 1
    with tf.GradientTape() as tape:
      loss = -tf.reduce_mean(dist.log_prob(logit_data(pixels)))
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
    return loss

  if mode != "eager":
    step = tf.function(step, jit_compile=mode == "xla")
  step_times = []
  for _ in range(steps + 1):
    pixels = tf.constant(rng.randint(0, 256, (batch,) + shape), tf.int32)
    start = time.perf_counter()
    float(step(pixels))
    step_times.append(time.perf_counter() - start)
  x = logit_data(tf.constant(rng.randint(0, 256, (batch,) + shape), tf.int32))
  return _results(int(sum(np.prod(v.shape) for v in variables)), step_times,
                  traces[0], mode, batch, dist.log_prob,
                  lambda: dist.sample(batch), x)


def set_threads(setting, row, batch):
  """Thread pools for `row` by `setting` (see the module docstring)."""
  import tensorflow as tf
  if setting == "default":
    return "default"
  if setting != "auto":
    intra, inter = (int(p) for p in setting.split(","))
    tf.config.threading.set_intra_op_parallelism_threads(intra)
    tf.config.threading.set_inter_op_parallelism_threads(inter)
    return setting
  import tfp_realnvp
  if not os.path.exists(os.path.join(os.path.dirname(tfp_realnvp.__file__),
                                     "runtime.py")):
    return "default"  # a revision before the package chose its runtime
  from tfp_realnvp import runtime
  name = row.split(":")[0]
  if name not in MODELS or name.startswith("glow"):
    return "default"
  from tfp_realnvp.models import presets
  _, preset, overrides = MODELS[name]
  kwargs = dict(presets.preset(preset), **overrides)
  jit = row.endswith(":xla")
  if not hasattr(runtime, "RuntimeSettings"):  # a revision before the change
    return runtime.configure("auto", batch, kwargs, jit_compile=jit)
  height, width, _ = kwargs["image_shape"]
  work = batch * height * width * kwargs["num_filters"]
  done = runtime.configure("auto", work, jit_compile=jit)
  if done.intra_op_threads is None:
    return "default"
  return (f"threads {done.intra_op_threads},{done.inter_op_threads}" +
          (", fast grappler" if done.fast_grappler else ""))


def child(row, batch, steps, threads):
  threads = set_threads(threads, row, batch)
  if row == "ceiling":
    print("RESULT " + json.dumps({
        "matmul": run_ceiling(),
        "conv_float32": run_conv("float32", batch),
        "conv_bfloat16": run_conv("bfloat16", batch)}), flush=True)
    return
  name, mode = row.split(":")
  run = run_glow if name.startswith("glow") else run_realnvp
  result = run(name, mode, batch, steps)
  import tfp_realnvp
  result.update(row=row, peak_gb=_peak_gb(), threads=threads,
                package=os.path.dirname(tfp_realnvp.__file__))
  print("RESULT " + json.dumps(result), flush=True)


def _child(row, args, steps=None, package_root=None):
  """Runs one row in a fresh process; its result dict, or None (printed).
  `package_root`: a checkout whose `tfp_realnvp` the row imports."""
  env = dict(os.environ)
  if package_root:
    env["PYTHONPATH"] = os.pathsep.join(
        [package_root] + [p for p in [env.get("PYTHONPATH")] if p])
  out = subprocess.run(
      [sys.executable, os.path.abspath(__file__), f"--child={row}",
       f"--batch={args.batch}",
       f"--steps={args.steps if steps is None else steps}",
       f"--threads={args.threads}"],
      capture_output=True, text=True, env=env, cwd=package_root)
  lines = [l for l in out.stdout.splitlines() if l.startswith("RESULT ")]
  if out.returncode or not lines:
    error = (out.stderr.strip().splitlines() or ["no output"])[-1][:120]
    print(f"| {row} | failed: {error} |", flush=True)
    return None
  return json.loads(lines[-1][len("RESULT "):])


def baseline_checkout(revision):
  """A worktree of `revision` (made once, reused): (its path, short hash)."""
  here = os.path.dirname(os.path.abspath(__file__))
  git = lambda *a: subprocess.run(["git", *a], capture_output=True, text=True,
                                  check=True, cwd=here).stdout.strip()
  commit = git("rev-parse", "--short", revision)
  path = os.path.join(tempfile.gettempdir(), f"tfp_realnvp_baseline_{commit}")
  if not os.path.isdir(path):
    git("worktree", "add", "--detach", path, commit)
  return path, commit


COLUMNS = ("| model | mode | code | params | train ex/s | log_prob ex/s | "
           "sample ex/s | traces | first step s | peak GB | threads | "
           "GFLOP/ex | GFLOP/s |")


def _row(name, mode, code, r):
  return (f"| {MODELS[name][0]} | {mode} | {code} | {r['params'] / 1e6:.2f}M "
          f"| {r['train']:.1f} | {r['log_prob']:.1f} | {r['sample']:.1f} | "
          f"{r['traces']} | {r['first']:.1f} | {r['peak_gb']:.2f} | "
          f"{r.get('threads', '-')} | {r['train_gflop']:.2f} | "
          f"{r['train_gflop'] * r['train']:.0f} |")


def _ratio_row(name, mode, new, old):
  ratio = lambda k: f"{new[k] / old[k]:.2f}x" if old[k] else "-"
  return (f"| {MODELS[name][0]} | {mode} | **new / old** | "
          f"{new['params'] / old['params']:.2f}x | **{ratio('train')}** | "
          f"{ratio('log_prob')} | {ratio('sample')} | | "
          f"**{ratio('first')}** | **{ratio('peak_gb')}** | | | |")


def _piece_of(name):
  """(the affine row's name, the piece) of a `PIECES` row, else None."""
  for piece in PIECES:
    if name.endswith("_" + piece):
      return name[:-len(piece) - 1], piece
  return None


def _print_piece_ratios(results):
  """Each piece's row against its shape's affine row, same mode, this run."""
  lines = []
  for row, r in results.items():
    name, mode = row.split(":")
    base = (_piece_of(name) or [None])[0]
    affine = results.get(f"{base}:{mode}")
    if affine:
      lines.append(f"{row} / {base}:{mode}: " + ", ".join(
          f"{k} {r[k] / affine[k]:.2f}x" for k in
          ("params", "train", "log_prob", "sample", "first", "peak_gb")))
  if lines:
    print("\nEach piece against the affine model of its shape:\n" +
          "\n".join(lines))


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--rows", default=",".join(DEFAULT_ROWS),
                      help="comma-separated model:mode; models: " +
                      ", ".join(MODELS) + "; modes: " + ", ".join(MODES))
  parser.add_argument("--batch", type=int, default=64)
  parser.add_argument("--steps", type=int, default=6,
                      help="timed training steps after the first")
  parser.add_argument("--eager_steps", type=int, default=2)
  parser.add_argument("--threads", default="auto",
                      help="auto, default or INTRA,INTER")
  parser.add_argument("--baseline", help="a git revision to compare with")
  parser.add_argument("--child", help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args.child:
    child(args.child, args.batch, args.steps, args.threads)
    return
  baseline = baseline_checkout(args.baseline) if args.baseline else None
  print(f"batch {args.batch}, threads {args.threads}, {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d')}" + (
            f"; old = {baseline[1]}, new = the working tree" if baseline
            else ""))
  ceiling = _child("ceiling", args)
  if ceiling:
    print(f"float32 ceiling (4096^3 matmul): {ceiling['matmul']:.0f} GFLOP/s; "
          f"3x3 conv 32->32 at 32x32, forward + both gradients: "
          f"{ceiling['conv_float32']:.0f} GFLOP/s in float32, "
          f"{ceiling['conv_bfloat16']:.0f} in bfloat16")
  print("\n" + COLUMNS)
  print("|" + "---|" * (COLUMNS.count("|") - 1))
  results = {}
  for row in args.rows.split(","):
    name, mode = row.split(":")
    steps = args.eager_steps if mode == "eager" else None
    old = None
    if baseline and not name.startswith("glow") and not _piece_of(name):
      old = _child(row, args, steps, package_root=baseline[0])
      if old:
        print(_row(name, mode, f"old {baseline[1]}", old), flush=True)
    r = _child(row, args, steps)
    if r is None:
      continue
    results[row] = r
    print(_row(name, mode, "new" if baseline else "", r), flush=True)
    if old:
      print(_ratio_row(name, mode, r, old), flush=True)
  _print_piece_ratios(results)
  ratios = []
  for name, (_, _, reference) in MODELS.items():
    if not name.startswith("glow"):
      continue
    for mode in MODES:
      ours = results.get(f"{reference}:function")
      theirs = results.get(f"{name}:{mode}")
      if ours and theirs:
        ratios.append(f"{reference} (function) / {name} ({mode}): train "
                      f"{ours['train'] / theirs['train']:.2f}x, log_prob "
                      f"{ours['log_prob'] / theirs['log_prob']:.2f}x, sample "
                      f"{ours['sample'] / theirs['sample']:.2f}x")
  if ratios:
    print("\nReal NVP / tfb.Glow throughput:\n" + "\n".join(ratios))


if __name__ == "__main__":
  main()
