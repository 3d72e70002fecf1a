"""Small synthetic data sets in the formats their publishers ship.

Each writer puts a few random images, in the publisher's own file layout, into
a folder and returns the file paths. The tests hand these files to the real
loaders (TFDS builders through their manual-download folder, the project's
LSUN reader), so the only thing that stands in for the real data is the
pixels.
"""

import gzip
import io
import os
import struct
import tarfile
import zipfile

import numpy as np
import tensorflow as tf

CELEBA_ATTRIBUTES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs "
    "Big_Lips Big_Nose Black_Hair Blond_Hair Blurry Brown_Hair Bushy_Eyebrows "
    "Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup "
    "High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard "
    "Oval_Face Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks Sideburns "
    "Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
    "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young").split()
CELEBA_LANDMARKS = (
    "lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x "
    "leftmouth_y rightmouth_x rightmouth_y").split()


def _images(rng, n, shape):
  return rng.randint(0, 256, (n,) + tuple(shape)).astype(np.uint8)


def _encode(image, fmt):
  if fmt == "png":
    return tf.io.encode_png(image).numpy()
  return tf.io.encode_jpeg(image, quality=95).numpy()


def _add_bytes(tar, name, data):
  info = tarfile.TarInfo(name)
  info.size = len(data)
  tar.addfile(info, io.BytesIO(data))


def cifar10(folder, per_batch=8, seed=0):
  """cifar-10-binary.tar.gz: cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin,
  each record a label byte and the 32x32x3 image in channel-major order."""
  rng = np.random.RandomState(seed)
  path = os.path.join(folder, "cifar-10-binary.tar.gz")
  with tarfile.open(path, "w:gz") as tar:
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    for name in names:
      images = _images(rng, per_batch, (32, 32, 3))
      labels = rng.randint(0, 10, per_batch).astype(np.uint8)
      records = b"".join(bytes([l]) + im.transpose(2, 0, 1).tobytes()
                         for l, im in zip(labels, images))
      _add_bytes(tar, f"cifar-10-batches-bin/{name}", records)
    _add_bytes(tar, "cifar-10-batches-bin/batches.meta.txt",
               ("\n".join(f"class{i}" for i in range(10)) + "\n").encode())
  return [path]


def mnist(folder, seed=0):
  """The four gzipped IDX files (60000 training and 10000 test images, as
  the builder reads them); mostly blank digits with a random square."""
  rng = np.random.RandomState(seed)
  paths = []
  for prefix, n in (("train", 60000), ("t10k", 10000)):
    images = np.zeros((n, 28, 28), np.uint8)
    corner = rng.randint(0, 20, (n, 2))
    for i, (r, c) in enumerate(corner[:500]):
      images[i, r:r + 8, c:c + 8] = 255
    labels = rng.randint(0, 10, n).astype(np.uint8)
    for kind, header, payload in (
        ("images-idx3-ubyte", struct.pack(">IIII", 2051, n, 28, 28), images),
        ("labels-idx1-ubyte", struct.pack(">II", 2049, n), labels)):
      path = os.path.join(folder, f"{prefix}-{kind}.gz")
      with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(header + payload.tobytes())
      paths.append(path)
  return paths


def celeba(folder, partitions=(0, 0, 0, 0, 0, 0, 1, 1, 2, 2), seed=0):
  """img_align_celeba.zip (218x178 JPEGs) and the four text files."""
  rng = np.random.RandomState(seed)
  names = [f"{i + 1:06d}.jpg" for i in range(len(partitions))]
  paths = [os.path.join(folder, "img_align_celeba.zip")]
  with zipfile.ZipFile(paths[0], "w") as z:
    for name, image in zip(names, _images(rng, len(names), (218, 178, 3))):
      z.writestr(f"img_align_celeba/{name}", _encode(image, "jpeg"))

  def write(filename, header, rows):
    path = os.path.join(folder, filename)
    with open(path, "w") as f:
      if header is not None:
        f.write(f"{len(rows)}\n{' '.join(header)}\n")
      f.writelines(row + "\n" for row in rows)
    paths.append(path)

  write("list_eval_partition.txt", None,
        [f"{n} {p}" for n, p in zip(names, partitions)])
  write("list_attr_celeba.txt", CELEBA_ATTRIBUTES, [
      n + " " + " ".join(rng.choice(["1", "-1"], len(CELEBA_ATTRIBUTES)))
      for n in names])
  write("list_landmarks_align_celeba.txt", CELEBA_LANDMARKS, [
      n + " " + " ".join(str(v) for v in rng.randint(0, 178, 10))
      for n in names])
  write("identity_CelebA.txt", None,
        [f"{n} {rng.randint(1, 100)}" for n in names])
  return paths


def downsampled_imagenet(folder, size, train=200, valid=6, seed=0):
  """train_SxS.tar and valid_SxS.tar of SxS PNG files."""
  rng = np.random.RandomState(seed)
  paths = []
  for split, n in (("train", train), ("valid", valid)):
    path = os.path.join(folder, f"{split}_{size}x{size}.tar")
    with tarfile.open(path, "w") as tar:
      for i, image in enumerate(_images(rng, n, (size, size, 3))):
        _add_bytes(tar, f"{split}_{size}x{size}/{i:05d}.png",
                   _encode(image, "png"))
    paths.append(path)
  return paths


def lsun(folder, category, train=40, val=6, seed=0):
  """<category>_train_lmdb/ and <category>_val_lmdb/: LMDB databases of
  JPEG images (as the publisher's zips unpack), 100x120 to 120x160 pixels."""
  import lmdb  # pylint: disable=g-import-not-at-top
  rng = np.random.RandomState(seed)
  paths = []
  for which, n in (("train", train), ("val", val)):
    path = os.path.join(folder, f"{category}_{which}_lmdb")
    env = lmdb.open(path, map_size=1 << 26)
    with env.begin(write=True) as txn:
      for i in range(n):
        shape = (rng.randint(100, 121), rng.randint(120, 161), 3)
        key = f"{rng.randint(16 ** 8):08x}{i:04d}".encode()
        txn.put(key, _encode(_images(rng, 1, shape)[0], "jpeg"))
    env.close()
    paths.append(path)
  return paths
