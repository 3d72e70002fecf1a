"""The index of an image folder: listed once, every file's header read once.

`FolderIndex.build(root, cache_dir)` lists `root` once (`storage.walk`:
one listing per folder), keeps the image files (`image_headers.is_image_name`:
other and hidden files are ignored), reads each one's header
(`image_headers.read`: format, size, channels, colour, problem) and gives
every file its class and split from the layout:

    root/x.png                        no labels
    root/<class>/.../x.png            labels: the class folders, sorted
    root/{train,validation|val,test}/[<class>/...]x.png
                                      the splits (the classes are train/'s;
                                      the others' must be among them)

Without split folders a fixed permutation (RandomState(0)) of all files,
bad ones included (so leaving them out moves no other file), gives 90%
train, 5% validation, 5% test.

A folder of `CACHE_MIN` images or more keeps its index in
`root/.tfp_realnvp_index.json` (or, if root cannot be written,
`cache_dir/data_index.json`): a later run reuses the header of every file
whose name (and, on a local disk, size and modification time) is
unchanged, reads the new ones, drops the removed ones, and rewrites the
cache if anything changed.
"""

import concurrent.futures
import json
import sys
import time
import typing

import numpy as np

from tfp_realnvp import storage
from tfp_realnvp.data import image_headers
from tfp_realnvp.data.sources import BadInput

CACHE_MIN = 5000
CACHE_NAME, FALLBACK_NAME = ".tfp_realnvp_index.json", "data_index.json"
SPLIT_FOLDERS = {"train": "train", "validation": "validation", "val":
                 "validation", "test": "test"}
FRACTIONS = (0.9, 0.05)
_VERSION = 1


def split_indices(n, split):
  """Indices of `split` in a fixed permutation of n examples (90/5/5)."""
  order = np.random.RandomState(0).permutation(n)
  a = int(round(n * FRACTIONS[0]))
  b = a + max(1, int(round(n * FRACTIONS[1])))
  return {"train": order[:a], "validation": order[a:b],
          "test": order[b:]}[split]


class Entry(typing.NamedTuple):
  """One image file of the folder."""
  path: str                    # below the root, "/"-separated
  label: int                   # index into `FolderIndex.classes`; -1: none
  split: typing.Optional[str]  # from a split folder, else None (90/5/5)
  header: image_headers.Header


def _list(root):
  """Sorted "/"-separated paths below `root` of its image files."""
  found = []
  for folder, subfolders, names in storage.walk(root):
    subfolders[:] = [s for s in subfolders if not s.startswith(".")]
    below = folder[len(root):].strip("/").replace("\\", "/")
    found += [f"{below}/{n}" if below else n for n in names
              if image_headers.is_image_name(n)]
  return sorted(found)


def _layout(paths):
  """(class names, [(path, label, split)], whether split folders give the
  splits); see the module docstring. Without split folders, all paths."""
  parts = [p.split("/") for p in paths]
  by_split = any(len(p) > 1 and p[0] in SPLIT_FOLDERS for p in parts)
  if by_split:
    parts = [p for p in parts if len(p) > 1 and p[0] in SPLIT_FOLDERS]
  classes = sorted({p[int(by_split)] for p in parts
                    if len(p) > 1 + int(by_split) and
                    (not by_split or SPLIT_FOLDERS[p[0]] == "train")})
  number = {name: i for i, name in enumerate(classes)}
  out = []
  for p in parts:
    split = SPLIT_FOLDERS[p[0]] if by_split else None
    rest = p[1:] if by_split else p
    if len(rest) > 1 and rest[0] not in number and classes:
      raise BadInput(f"{'/'.join(p[:-1])}: a class that train/ does not "
                     f"have (its classes: {', '.join(classes)}).")
    label = number.get(rest[0], -1) if len(rest) > 1 else -1
    out.append(("/".join(p), label, split))
  return classes, out, by_split


def _read_all(root, paths, cached):
  """{path: Header}: the cached ones, and the others read, with progress."""
  todo = [p for p in paths if p not in cached]
  out = {p: cached[p] for p in paths if p in cached}
  if not todo:
    return out
  start = last = time.monotonic()
  targets = [storage.join(root, p) for p in todo]
  if storage.is_remote(root):  # a request each: many at a time
    pool = concurrent.futures.ThreadPoolExecutor(32)
    headers = pool.map(image_headers.read, targets)
  else:  # local reads are faster than threads' handoffs
    pool, headers = None, map(image_headers.read, targets)
  for i, (path, header) in enumerate(zip(todo, headers)):
    out[path] = header
    if time.monotonic() - last > 10:
      last = time.monotonic()
      print(f"Checking the images of {root}: {i + 1}/{len(todo)} "
            f"({last - start:.0f} s)", file=sys.stderr, flush=True)
  if pool:
    pool.shutdown()
  return out


class FolderIndex:
  """The image files of a folder; see the module docstring."""

  def __init__(self, root, entries, classes, by_split, headers_read=0):
    self.root, self.entries, self.classes = root, entries, classes
    self.by_split = by_split
    self.headers_read = headers_read  # by this build (the rest: the cache)

  @classmethod
  def build(cls, root, cache_dir=None):
    root = storage.expand(root).rstrip("/") or "/"
    paths = _list(root) if storage.isdir(root) else []
    classes, layout, by_split = _layout(paths)
    paths = [p for p, _, _ in layout]
    signatures = {p: storage.signature(storage.join(root, p)) for p in paths}
    cache = _Cache(root, cache_dir) if len(paths) >= CACHE_MIN else None
    cached = cache.load(signatures) if cache else {}
    headers = _read_all(root, paths, cached)
    if cache and len(cached) != len(paths):
      cache.save(signatures, headers)
    entries = tuple(Entry(p, label, split, headers[p])
                    for p, label, split in layout)
    return cls(root, entries, tuple(classes), by_split,
               headers_read=len(paths) - len(cached))

  @property
  def bad(self):
    return [e for e in self.entries if e.header.problem]

  @property
  def has_labels(self):
    return bool(self.classes) and all(e.label >= 0 for e in self.entries)

  def split(self, name, skip_bad=True):
    """The entries of split `name` ("train", "validation", "test")."""
    if self.by_split:
      chosen = [e for e in self.entries if e.split == name]
    else:
      chosen = [self.entries[i] for i in split_indices(len(self.entries),
                                                       name)]
    return [e for e in chosen if not (skip_bad and e.header.problem)]

  def empty_split(self):
    """None, or what to say about the first split without a good image (a
    run uses all three: it trains on train, keeps the best epoch on
    validation and scores test)."""
    names = ("train", "validation", "test")
    for name in names:
      if self.split(name):
        continue
      if self.by_split:
        return (f"the {name} split has no images: {name}/ is missing or "
                "empty. A run trains on train/, keeps the best epoch on "
                "validation/ (or val/) and scores test/.")
      counts = "/".join(str(len(self.split(n))) for n in names)
      return (f"the {name} split has no images: {len(self.entries)} files "
              f"split 90/5/5 give {counts} good images to train/validation/"
              "test. Use 20 images or more, or train/, validation/ and "
              "test/ subfolders.")
    return None

  def sizes(self):
    """{(height, width): the first good entry of that size}."""
    out = {}
    for e in self.entries:
      if not e.header.problem:
        out.setdefault((e.header.height, e.header.width), e)
    return out

  def has_color(self):
    return any(e.header.color for e in self.entries if not e.header.problem)


class _Cache:
  """The index's file (see the module docstring)."""

  def __init__(self, root, cache_dir):
    self.root = root
    self.places = [storage.join(root, CACHE_NAME)]
    if cache_dir:
      self.places.append(storage.join(cache_dir, FALLBACK_NAME))

  def load(self, signatures):
    """{path: Header} of the cached files whose signature is unchanged."""
    for place in self.places:
      try:
        saved = storage.read_json(place)
      except Exception:  # pylint: disable=broad-except  (absent, unreadable)
        continue
      if saved.get("version") == _VERSION and saved.get("root") == self.root:
        table = [image_headers.Header(*h) for h in saved["headers"]]
        return {p: table[h] for p, s, h in zip(
            saved["paths"], saved["signatures"], saved["header_of"])
                if p in signatures and signatures[p] == s}
    return {}

  def save(self, signatures, headers):
    """Writes the index (columns; each distinct header once); returns
    where, or None if neither place can be written."""
    paths = sorted(headers)
    table = {}
    header_of = [table.setdefault(headers[p], len(table)) for p in paths]
    text = json.dumps({
        "version": _VERSION, "root": self.root, "paths": paths,
        "signatures": [signatures[p] for p in paths],
        "header_of": header_of, "headers": list(table)},
                      separators=(",", ":"))
    for place in self.places:
      try:
        storage.write_text(place, text)
        return place
      except Exception:  # pylint: disable=broad-except  (read-only: next)
        continue
    return None
