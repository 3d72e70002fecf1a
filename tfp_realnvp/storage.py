"""Every file the package reads or writes, through `tf.io.gfile`.

A path is local (`runs/digits`, `/data/x.npz`) or a URL of any file system
TensorFlow has (`gs://bucket/run`; `s3://`, `hdfs://` where a plugin adds
them). Python's `os`, `open` and `shutil` would take `gs://b/run` for a
relative local folder `./gs:/b/run` and write half a run there; this module
sends both kinds to `tf.io.gfile`, so nothing meant for the user's storage
lands anywhere else.

Writes that must never be seen half done (settings, results, the lease,
checkpoint copies) are `write_text`/`copy`: a local file is written beside
its target and renamed over it (atomic on POSIX); an object store's object
appears whole when its upload ends, so a remote file is written in place.
Folders are not renamed on object stores (GCS copies each object): nothing
here relies on an atomic folder rename there.
"""

import io
import json
import os
import posixpath
import uuid

import numpy as np
import tensorflow as tf

gfile = tf.io.gfile


def is_remote(path):
  """Whether `path` is a URL (`gs://...`) rather than a local path."""
  return "://" in str(path)


def absolute(path):
  """`path` for people and records: absolute if local, as given if remote."""
  path = str(path)
  return path if is_remote(path) else os.path.abspath(os.path.expanduser(path))


def expand(path):
  """`~` expanded in a local path; a remote one as given."""
  path = str(path)
  return path if is_remote(path) else os.path.expanduser(path)


def join(path, *parts):
  return (posixpath.join if is_remote(path) else os.path.join)(path, *parts)


def dirname(path):
  return (posixpath.dirname if is_remote(path) else os.path.dirname)(path)


def basename(path):
  return posixpath.basename(str(path).rstrip("/"))


def exists(path):
  return gfile.exists(path)


def isdir(path):
  return gfile.isdir(path)


def makedirs(path):
  gfile.makedirs(path)


def glob(pattern):
  return sorted(gfile.glob(pattern))


def walk(path):
  """(folder, subfolder names, file names) under `path`, top-down, sorted.

  One listing per folder: locally `os.walk` (the entry types come with the
  listing); on GCS a listing's subfolders end in "/", so no request per
  entry (`gfile.walk` asks `isdir` of each: a million requests for a
  million files); elsewhere `gfile.walk`.
  """
  if not is_remote(path):
    # local-only: os.walk reads entry types from the listing itself.
    walker = os.walk(path)
  elif str(path).startswith("gs://"):
    walker = _walk_gcs(path.rstrip("/"))
  else:
    walker = gfile.walk(path)
  for folder, subfolders, names in walker:
    subfolders[:] = sorted(s.rstrip("/") for s in subfolders)
    yield folder.rstrip("/") or folder, subfolders, sorted(names)


def _walk_gcs(folder):
  children = gfile.listdir(folder)
  subfolders = [c for c in children if c.endswith("/")]
  yield folder, subfolders, [c for c in children if not c.endswith("/")]
  for name in subfolders:
    yield from _walk_gcs(join(folder, name.rstrip("/")))


def head_and_tail(path, head, tail):
  """(size in bytes, its first `head` bytes, its last `tail` bytes)."""
  if not is_remote(path):
    # local-only: plain reads of a local file (no TensorFlow call per file).
    with open(path, "rb") as f:
      first = f.read(head)
      size = os.fstat(f.fileno()).st_size
      if size <= head:
        return size, first, first[-tail:]
      f.seek(size - tail)
      return size, first, f.read()
  with gfile.GFile(path, "rb") as f:
    size = f.size()
    first = f.read(head)
    if size <= head:
      return size, first, first[-tail:]
    f.seek(size - tail)
    return size, first, f.read()


def signature(path):
  """What changes when a local file is rewritten ("size:mtime_ns"); None
  for a remote file (a request each: names alone track a bucket)."""
  if is_remote(path):
    return None
  # local-only: one stat of a local file.
  info = os.stat(path)
  return f"{info.st_size}:{info.st_mtime_ns}"


def remove(path):
  if gfile.exists(path):
    gfile.remove(path)


def rmtree(path):
  if gfile.exists(path):
    gfile.rmtree(path)


def read_text(path):
  with gfile.GFile(path, "r") as f:
    return f.read()


def read_bytes(path):
  with gfile.GFile(path, "rb") as f:
    return f.read()


def _beside(path):
  return join(dirname(path) or ".", f".{basename(path)}.{uuid.uuid4().hex[:8]}.partial")


def write_text(path, text):
  """Writes `text` to `path` whole or not at all (see the module docstring)."""
  parent = dirname(path)
  if parent:
    gfile.makedirs(parent)
  if is_remote(path):
    with gfile.GFile(path, "w") as f:
      f.write(text)
    return path
  temporary = _beside(path)
  # local-only: this branch is for local paths (a rename makes it atomic).
  with open(temporary, "w") as f:
    f.write(text)
  os.replace(temporary, path)
  return path


def read_json(path):
  return json.loads(read_text(path))


def write_json(path, value):
  return write_text(path, json.dumps(value, indent=1))


def copy(source, target):
  """Copies file `source` to `target`, replacing it, whole or not at all."""
  parent = dirname(target)
  if parent:
    gfile.makedirs(parent)
  if is_remote(target):
    gfile.copy(source, target, overwrite=True)
    return target
  temporary = _beside(target)
  gfile.copy(source, temporary, overwrite=True)
  os.replace(temporary, target)
  return target


def rename(source, target):
  """Renames a file, or a local folder (object stores have no folder rename:
  TensorFlow's GCS client copies object by object)."""
  gfile.rename(source, target, overwrite=False)


def load_arrays(path):
  """{name: array} of an .npz file, or {"arr_0": array} of an .npy file,
  read through gfile (a bucket's file is read in one piece)."""
  data = np.load(io.BytesIO(read_bytes(path)), allow_pickle=False)
  if isinstance(data, np.ndarray):
    return {"arr_0": data}
  with data:
    return {name: data[name] for name in data.files}
