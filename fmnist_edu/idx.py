"""Reading IDX files, the format of the MNIST family, checked on the way.

An IDX file is a header -- the magic number ``0x000008nn`` (unsigned bytes,
``nn`` dimensions) and one big-endian 32-bit size per dimension -- followed
by the items as raw bytes. Fashion-MNIST ships its images (magic
``0x00000803``, items of 28x28) and labels (``0x00000801``) this way,
gzipped. :func:`read_idx` reads such a file and raises :class:`DataError`
with one line naming the file when anything about it is wrong.
"""

import gzip
import hashlib
import zlib
from pathlib import Path

import numpy as np

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
IMAGE_SHAPE = (28, 28)


class DataError(ValueError):
    """A data file is missing, truncated or not the official one."""


def read_idx(path, magic=None, count=None, sha256=None, fix="replace it with an intact copy"):
    """Read a gzipped IDX file into a uint8 array, checking it on the way.

    Parameters
    ----------
    path : str or Path
        The ``.gz`` file.
    magic : int, optional
        Expected magic number: ``0x00000803`` for images (then each item
        must be 28x28), ``0x00000801`` for labels.
    count : int, optional
        Expected number of items.
    sha256 : str, optional
        Expected SHA-256 (hex) of the uncompressed content.
    fix : str, default="replace it with an intact copy"
        What the user should do about a bad file, appended to the error.

    Returns
    -------
    array : ndarray of uint8
        Shape (count, 28, 28) for images, (count,) for labels; read-only.

    Raises
    ------
    DataError
        On a missing, truncated or corrupt file, a wrong magic number,
        shape or count, or a checksum mismatch.
    """
    path = Path(path)
    redo = fix
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: not a complete gzip file ({exc}); {redo}") from None

    if len(raw) < 8:
        raise DataError(f"{path}: too short for an IDX header ({len(raw)} bytes); {redo}")
    found_magic = int.from_bytes(raw[:4], "big")
    if raw[:3] != b"\x00\x00\x08" or raw[3] == 0:
        raise DataError(
            f"{path}: not an IDX file of unsigned bytes (magic 0x{found_magic:08x}); {redo}"
        )
    if magic is not None and found_magic != magic:
        raise DataError(
            f"{path}: magic number 0x{found_magic:08x}, expected 0x{magic:08x}"
            f" ({'images' if magic == IMAGES_MAGIC else 'labels'}); {redo}"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: IDX header cut short; {redo}")
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if count is not None and dims[0] != count:
        raise DataError(f"{path}: holds {dims[0]} items, expected {count}; {redo}")
    if found_magic == IMAGES_MAGIC and dims[1:] != IMAGE_SHAPE:
        raise DataError(f"{path}: images of shape {dims[1:]}, expected {IMAGE_SHAPE}; {redo}")
    n_bytes = int(np.prod(dims))
    if len(raw) - header != n_bytes:
        raise DataError(
            f"{path}: {len(raw) - header} data bytes, the header announces {n_bytes}; {redo}"
        )
    if sha256 is not None:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != sha256:
            raise DataError(
                f"{path}: checksum mismatch (SHA-256 of the content {digest[:16]}..., "
                f"expected {sha256[:16]}...), the file is corrupt or not the official one; {redo}"
            )
    array = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)
    return array  # frombuffer over bytes is read-only
