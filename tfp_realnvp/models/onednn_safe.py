"""Two graph patterns TensorFlow's CPU kernels (oneDNN) need from the models.

    sequential_loop(n, body, initial)   a graph loop whose iterations never
                                        overlap (oneDNN's convolutions are
                                        not safe run from two threads)
    nonempty_batch(fn, tensors, fills)  fn of a batch that may be empty
                                        (oneDNN's convolution returns an
                                        empty input unchanged)
"""

import tensorflow as tf

__all__ = ["sequential_loop", "nonempty_batch"]


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
