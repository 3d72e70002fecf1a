"""What an image file's first and last bytes say, before any decoding.

`read(path)` gives a `Header`: the format (from the file's signature, not
its name), height and width, the channels TensorFlow's decoder gives it
(`tf.io.decode_image(..., channels=0)`), whether it has color, and the
`problem` that would make decoding fail, or None:

    PNG   IHDR (size, color type, bit depth); a palette (PLTE) is color
          unless every entry is gray; tRNS adds alpha; ends with IEND
    JPEG  the SOF segment (size, components: 1 gray, 3 YCbCr, 4 CMYK, which
          TensorFlow converts to RGB); 8-bit precision; ends with EOI
    GIF   the logical screen (size; TensorFlow decodes to RGB); ends ';'
    BMP   the info header (size, bits 8/24/32, uncompressed); the pixel
          rows fit in the file; an 8-bit palette must be the gray ramp
          (TensorFlow reads palette indices as gray levels)

A missing end marker is the mark of an interrupted copy (the decoder would
fail on it mid-epoch). Only the first `HEAD` and last `TAIL` bytes are
read (`storage.head_and_tail`), more only for a JPEG whose markers run past
them. Corruption in the middle of the pixel data is not seen.

`is_image_name(name)` is the file-name rule: an image extension, and not
hidden (`.DS_Store`, `._x.jpg` from macOS, `.ipynb_checkpoints/`).
"""

import struct
import typing

from tfp_realnvp import storage

EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".bmp")
HEAD, TAIL = 65536, 1024


def is_image_name(name):
  """Whether file `name` is taken as an image (see the module docstring)."""
  return not name.startswith(".") and name.lower().endswith(EXTENSIONS)


class Header(typing.NamedTuple):
  """What `read` found; `problem` is None for a file the decoder takes."""
  format: str = ""
  height: int = 0
  width: int = 0
  channels: int = 0     # of tf.io.decode_image(channels=0): 1, 2, 3, 4
  color: bool = False
  problem: typing.Optional[str] = None


def _bad(problem, fmt=""):
  return Header(format=fmt, problem=problem)


def _is_gray(palette, step):
  """Whether every entry (R, G, B first) of a palette is gray."""
  return all(palette[i] == palette[i + 1] == palette[i + 2]
             for i in range(0, len(palette) - 2, step))


def _png(head, tail):
  if len(head) < 33 or head[12:16] != b"IHDR":
    return _bad("truncated PNG header", "png")
  width, height, depth, kind = struct.unpack(">IIBB", head[16:26])
  if kind not in (0, 2, 3, 4, 6) or depth not in (1, 2, 4, 8, 16):
    return _bad(f"PNG color type {kind} at {depth} bits is not valid",
                "png")
  channels = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}[kind]
  color = kind in (2, 6)
  offset = 8
  while offset + 8 <= len(head):  # the chunks before the pixels (IDAT)
    length, name = struct.unpack(">I4s", head[offset:offset + 8])
    if name == b"IDAT":
      break
    if name == b"PLTE":
      color = not _is_gray(head[offset + 8:offset + 8 + length], 3)
    if name == b"tRNS" and channels in (1, 3):
      channels += 1
    offset += 12 + length
  if not tail.rstrip(b"\0").endswith(b"IEND\xaeB`\x82"):
    return Header("png", height, width, channels, color,
                  "truncated: the PNG has no IEND chunk at its end")
  return Header("png", height, width, channels, color)


# Start-of-frame markers: all 0xC0-0xCF but DHT (C4), JPG (C8), DAC (CC).
_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_frame(path, head):
  """(precision, height, width, components) of the JPEG's SOF, or None."""
  data, offset = head, 2
  while True:
    if offset + 10 > len(data):
      if data is not head or len(head) < HEAD:  # the whole file was read
        return None
      data = storage.read_bytes(path)  # markers beyond HEAD (big EXIF/ICC)
      continue
    if data[offset] != 0xFF:
      return None
    marker = data[offset + 1]
    if marker == 0xFF:  # fill byte
      offset += 1
      continue
    if marker in _SOF:
      return struct.unpack(">BHHB", data[offset + 4:offset + 10])
    if marker in (0xD9, 0xDA):  # end of image, start of scan: no frame
      return None
    offset += 2 + struct.unpack(">H", data[offset + 2:offset + 4])[0]


def _jpeg(path, head, tail, size):
  frame = _jpeg_frame(path, head)
  if frame is None:
    return _bad("a JPEG without a frame header (SOF)", "jpeg")
  precision, height, width, components = frame
  if precision != 8 or components not in (1, 3, 4):
    return _bad(f"a {precision}-bit JPEG with {components} components "
                "(TensorFlow decodes 8-bit gray, YCbCr and CMYK)", "jpeg")
  channels, color = (1, False) if components == 1 else (3, True)
  ends = b"\xff\xd9" in tail
  if not ends and size > HEAD + TAIL:  # data after the image (a trailer)?
    ends = b"\xff\xd9" in storage.read_bytes(path)[HEAD:]
  if not ends:
    return Header("jpeg", height, width, channels, color,
                  "truncated: the JPEG has no end-of-image marker")
  return Header("jpeg", height, width, channels, color)


def _gif(head, tail):
  if len(head) < 13:
    return _bad("truncated GIF header", "gif")
  width, height, flags = struct.unpack("<HHB", head[6:11])
  color = True
  if flags & 0x80:  # a global color table follows the screen descriptor
    color = not _is_gray(head[13:13 + 3 * 2 ** ((flags & 7) + 1)], 3)
  if not tail.rstrip(b"\0").endswith(b";"):
    return Header("gif", height, width, 3, color,
                  "truncated: the GIF has no trailer")
  return Header("gif", height, width, 3, color)


def _bmp(head, size):
  if len(head) < 54:
    return _bad("truncated BMP header", "bmp")
  pixels_at, info_size = struct.unpack("<II", head[10:18])
  width, height, _, bits, compression = struct.unpack("<iiHHI", head[18:34])
  if bits not in (8, 24, 32) or compression not in (0, 3):
    return _bad(f"a {bits}-bit BMP with compression {compression} "
                "(TensorFlow decodes uncompressed 8, 24 and 32 bits)", "bmp")
  height = abs(height)  # negative: rows stored top-down
  channels = {8: 1, 24: 3, 32: 4}[bits]
  if bits == 8:
    palette = head[14 + info_size:pixels_at]  # (B, G, R, 0) entries
    if any(palette[i:i + 3] != bytes((i // 4,) * 3)
           for i in range(0, len(palette) - 3, 4)):
      return _bad("an 8-bit BMP with a color palette (TensorFlow reads its "
                  "indices as gray levels): convert it to PNG", "bmp")
  row = (width * bits + 31) // 32 * 4
  if pixels_at + row * height > size:
    return Header("bmp", height, width, channels, bits > 8,
                  "truncated: the BMP's pixel rows run past its end")
  return Header("bmp", height, width, channels, bits > 8)


def read(path):
  """The `Header` of the image file at `path` (local or remote)."""
  try:
    size, head, tail = storage.head_and_tail(path, HEAD, TAIL)
  except OSError as e:
    return _bad(f"unreadable ({e})")
  except Exception as e:  # pylint: disable=broad-except  (tf.errors.*)
    return _bad(f"unreadable ({type(e).__name__})")
  if size == 0:
    return _bad("an empty file")
  if head.startswith(b"\x89PNG\r\n\x1a\n"):
    header = _png(head, tail)
  elif head.startswith(b"\xff\xd8"):
    header = _jpeg(path, head, tail, size)
  elif head[:6] in (b"GIF87a", b"GIF89a"):
    header = _gif(head, tail)
  elif head.startswith(b"BM"):
    header = _bmp(head, size)
  else:
    return _bad(f"not a PNG, JPEG, GIF or BMP file (it starts {head[:8]!r})")
  if header.problem is None and not (header.height and header.width):
    return header._replace(problem="an image of size 0")
  return header
