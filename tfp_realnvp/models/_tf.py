"""Small TensorFlow helpers the models share (private to `models/`)."""

import keras
import tensorflow as tf

__all__ = ["stateless_seed", "sequential_loop", "nonempty_batch",
           "savable_seed_generator"]


def stateless_seed(seed, stream=0):
  """The (2,) int64 seed tensor of TF's stateless ops: [seed, stream] for
  an int or a scalar tensor `seed` (`stream` keeps uses of one seed apart);
  a random one for None. Always a tensor, so a traced function that takes
  it is traced once for every seed (a Python list would retrace per value)."""
  if seed is None:
    return tf.random.uniform([2], maxval=2 ** 31 - 1, dtype=tf.int64)
  if tf.is_tensor(seed):
    return tf.stack([tf.cast(seed, tf.int64), tf.constant(stream, tf.int64)])
  return tf.constant([int(seed), stream], tf.int64)


def savable_seed_generator(seed, holder):
  """A `keras.random.SeedGenerator(seed)` whose state `tf.saved_model.save`
  finds through `holder` (a layer or model).

  Keras keeps a generator out of TensorFlow's object graph (it is no
  trackable), so a SavedModel of any module that holds the model and traces
  a function drawing from it (Keras' own `serving_default` of the model
  among them) fails: "captures tensor ... seed_generator_state ... not
  reachable from root". The state variable, attached to `holder` through a
  plain `tf.Module`, is reachable; Keras' weights files do not see it.
  """
  generator = keras.random.SeedGenerator(seed)
  state = tf.Module(name="seed_state")
  state.variable = generator.state
  holder.seed_generator_state = state
  return generator


def sequential_loop(num_iterations, body, initial):
  """`initial` folded through `body(k, value)` for k in [0, num_iterations),
  a graph loop whose iterations run one at a time.

  TensorFlow would otherwise overlap a while-loop's iterations
  (`parallel_iterations=10`) and run one oneDNN convolution kernel from two
  threads at once; oneDNN's kernels are not safe for that (heap
  corruption, a segfault within a few hundred draws of a model).
  """
  _, value = tf.while_loop(
      lambda k, _: k < num_iterations, lambda k, v: (k + 1, body(k, v)),
      (tf.constant(0), initial), parallel_iterations=1)
  return value


def nonempty_batch(fn, tensors, fills):
  """`fn(*tensors)` for tensors (or None) of one batch, also an empty one.

  TensorFlow's CPU convolution (oneDNN) returns its input unchanged for an
  empty batch ((0, H, W, C_in) where C_out was due), so the first network
  of a flow fails on it. A batch whose size is not known to be > 0 gets one
  example of `fills` appended when it is empty (no branch: zero examples
  otherwise), and every output is cut back to the batch's size.
  """
  batch = tensors[0].shape[0]
  if batch is not None and batch > 0:
    return fn(*tensors)
  n = tf.shape(tensors[0])[0]
  pad = tf.cast(tf.equal(n, 0), tf.int32)

  def padded(t, fill):
    if t is None:
      return None
    extra = tf.fill(tf.concat([[pad], tf.shape(t)[1:]], 0),
                    tf.cast(fill, t.dtype))
    return tf.concat([t, extra], 0)

  out = fn(*[padded(t, f) for t, f in zip(tensors, fills)])
  return tf.nest.map_structure(lambda o: o[:n], out)
