"""Seeds of the models' random draws: stateless seeds, a savable generator."""

import keras
import tensorflow as tf

__all__ = ["stateless_seed", "savable_seed_generator"]


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
