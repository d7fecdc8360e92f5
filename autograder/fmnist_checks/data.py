"""Load the course subset of Fashion-MNIST (standalone: numpy and the standard library).

Classes 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress and 6 Shirt, relabelled
0..4 (`CLASS_NAMES`). Test: all 5,000 official test images of these classes.
Train: of the 30,000 official training images of these classes, the 10,000 at
``np.sort(np.random.default_rng(20171028).choice(30000, 10000, replace=False))``.

The four official files are looked for in ``data_dir``, else ``$FMNIST_EDU_DATA``
(a folder named there must hold all four), else file by file in the cache
(``$XDG_CACHE_HOME/fmnist-edu``, default ``~/.cache/fmnist-edu``), then in
``/usr/share/datasets/fashion-mnist``, else downloaded into the cache. Each is
verified by the SHA-256 of its uncompressed content; a problem raises one
``ValueError`` line naming the file and what to do.
"""

import gzip
import hashlib
import os
import sys
import urllib.request
import zlib
from pathlib import Path

import numpy as np

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Shirt")
ORIGINAL_CLASSES = (0, 1, 2, 3, 6)
SUBSET_SEED = 20171028
N_TRAIN = 10_000
ENV_VAR = "FMNIST_EDU_DATA"
MIRROR_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")

# file name -> (magic number, item count, SHA-256 of the uncompressed content)
FILES = {
    "train-images-idx3-ubyte.gz": (
        0x803, 60_000, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    "train-labels-idx1-ubyte.gz": (
        0x801, 60_000, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
    "t10k-images-idx3-ubyte.gz": (
        0x803, 10_000, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
    "t10k-labels-idx1-ubyte.gz": (
        0x801, 10_000, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
}
_READ = {}  # verified arrays of this process, keyed by (path, size, mtime)


def cache_dir():
    """The per-user cache folder (it may not exist yet)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fmnist-edu"


def _read(path, name=None):
    """Read one official file (`name`, default the path's), check it; uint8 array."""
    name = name or path.name
    magic, count, sha256 = FILES[name]
    fix = f"delete it and rerun to download it again, or copy the official {name} there"
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{path}: not a complete gzip file ({exc}); {fix}") from None
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise ValueError(f"{path}: checksum mismatch, corrupt or not the official file; {fix}")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    if int.from_bytes(raw[:4], "big") != magic or dims[0] != count:
        raise ValueError(f"{path}: unexpected IDX header; {fix}")
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _download(name, folder):
    """Download `name` from the mirror into `folder` (temp file, verify, rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    target, part = folder / name, folder / (name + ".part")
    try:
        with urllib.request.urlopen(MIRROR_URL + name, timeout=60) as response, \
                open(part, "wb") as out:
            total, done = int(response.headers.get("Content-Length") or 0), 0
            while chunk := response.read(1 << 20):
                out.write(chunk)
                done += len(chunk)
                share = f" {100 * done // total:3d}%" if total else ""
                print(f"\rdownloading {name}: {done >> 20} MiB{share}", end="", file=sys.stderr)
        print(file=sys.stderr)
        _read(part, name)
    except Exception as exc:  # network, disk or checksum
        part.unlink(missing_ok=True)
        raise ValueError(
            f"{name}: download from {MIRROR_URL} failed ({exc}); check the connection, "
            f"or set {ENV_VAR} to a folder holding the four official files") from None
    part.replace(target)
    return target


def _locate(data_dir=None):
    """Paths of the four official files, following the look-up order above."""
    if data_dir is not None or os.environ.get(ENV_VAR):
        rule = "data_dir" if data_dir is not None else ENV_VAR
        folder = Path(data_dir if data_dir is not None else os.environ[ENV_VAR])
        if not folder.is_dir():
            raise ValueError(f"{folder} (from {rule}) is not a folder; point it to a folder "
                             f"holding the four official Fashion-MNIST .gz files")
        for name in FILES:
            if not (folder / name).is_file():
                raise ValueError(f"{folder / name} is missing (folder from {rule}); copy the "
                                 f"official {name} there (from {MIRROR_URL})")
        return [folder / name for name in FILES]
    found = {name: [f / name for f in (cache_dir(), DEBIAN_DIR) if (f / name).is_file()]
             for name in FILES}  # cache first, then Debian's copy, else download
    return [paths[0] if paths else _download(name, cache_dir()) for name, paths in found.items()]


def _subset(images, labels):
    """Keep the 5 course classes, relabelled 0..4, as float64 rows of 784 pixels."""
    keep = np.isin(labels, ORIGINAL_CLASSES)
    relabel = np.full(256, -1, dtype=np.int64)
    relabel[list(ORIGINAL_CLASSES)] = np.arange(len(ORIGINAL_CLASSES))
    return images[keep].reshape(int(keep.sum()), -1).astype(np.float64), relabel[labels[keep]]


def load_course_data(data_dir=None):
    """Load the course subset of Fashion-MNIST.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder holding the four official ``.gz`` files (see the module docstring).

    Returns
    -------
    X_train : ndarray of shape (10000, 784), float64, pixel values 0..255
    y_train : ndarray of shape (10000,), int64, labels 0..4
    X_test : ndarray of shape (5000, 784), float64
    y_test : ndarray of shape (5000,), int64
    """
    arrays = []
    for path in _locate(data_dir):
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, FILES[path.name])
        if key not in _READ:
            _READ[key] = _read(path)
        arrays.append(_READ[key])
    X_pool, y_pool = _subset(arrays[0], arrays[1])
    X_test, y_test = _subset(arrays[2], arrays[3])
    rng = np.random.default_rng(SUBSET_SEED)
    index = np.sort(rng.choice(len(y_pool), N_TRAIN, replace=False))
    return X_pool[index], y_pool[index], X_test, y_test
