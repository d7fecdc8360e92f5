"""The course data: the 5-class Fashion-MNIST subset, found, verified and loaded.

The four official Fashion-MNIST files (Xiao, Rasul and Vollgraf, 2017,
MIT licence) are looked up in this order:

1. the ``data_dir`` argument;
2. the environment variable ``FMNIST_EDU_DATA`` (unless unset or empty);
3. the per-user cache folder (``pooch.os_cache("fmnist-edu")``);
4. Debian's folder ``/usr/share/datasets/fashion-mnist/``
   (package ``dataset-fashion-mnist``);
5. a download from the official mirror into the per-user cache.

A folder named by the user (rules 1 and 2) must hold all four files: a
missing file there is an error, never a silent download somewhere else, so
the data a study used is always the data its user pointed at. Rules 3 to 5
are tried file by file.

Every file is verified while it is read (:func:`~fmnist_edu.idx.read_idx`):
the SHA-256 of its *uncompressed* content must equal the official one, so the
official ``.gz`` files and Debian's copies (same content, different gzip
header) are both accepted. Any problem (missing folder or file, truncated or
corrupt gzip, wrong checksum, wrong magic number, wrong count) raises
:class:`DataError`, a ``ValueError`` with one line naming the file and what to
do about it.
"""

import os
import sys
from pathlib import Path

import numpy as np

# the IDX reader and DataError live in fmnist_edu.idx; importing them here
# keeps fmnist_edu.data.DataError and .read_idx working for older code
from fmnist_edu.idx import IMAGES_MAGIC, LABELS_MAGIC, DataError, read_idx

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Shirt")
ORIGINAL_CLASSES = (0, 1, 2, 3, 6)
SUBSET_SEED = 20171028
N_TRAIN = 10_000

ENV_VAR = "FMNIST_EDU_DATA"
MIRROR_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")

# The four official files: what each holds and its checksums (SHA-256 of the
# uncompressed IDX content, official MD5 of the .gz as served by the mirror).
FILES = {
    "train-images-idx3-ubyte.gz": {
        "magic": IMAGES_MAGIC,
        "count": 60_000,
        "sha256": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "md5": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    },
    "train-labels-idx1-ubyte.gz": {
        "magic": LABELS_MAGIC,
        "count": 60_000,
        "sha256": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "md5": "25c81989df183df01b3e8a0aad5dffbe",
    },
    "t10k-images-idx3-ubyte.gz": {
        "magic": IMAGES_MAGIC,
        "count": 10_000,
        "sha256": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "md5": "bef4ecab320f06d8554ea6380940ec79",
    },
    "t10k-labels-idx1-ubyte.gz": {
        "magic": LABELS_MAGIC,
        "count": 10_000,
        "sha256": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        "md5": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}

# verified arrays already read in this process, keyed by file identity
_VERIFIED = {}


def cache_dir():
    """Return the per-user cache folder of fmnist-edu (it may not exist yet)."""
    import pooch

    return Path(pooch.os_cache("fmnist-edu"))


# what to do about a bad file, by the look-up rule that found it
_FIXES = {
    "cache": "delete it and rerun to download it again",
    "downloaded": "delete it and rerun to download it again",
    "debian": "reinstall the Debian package dataset-fashion-mnist, or set "
    f"{ENV_VAR} to a folder holding the four official files",
}


def _read_official(path, rule=None):
    """Read and verify one of the four official files, once per process."""
    spec = FILES[path.name]
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, spec["sha256"], spec["count"])
    if key not in _VERIFIED:
        fix = _FIXES.get(rule, f"replace it with the official file from {MIRROR_URL}")
        _VERIFIED[key] = read_idx(
            path, magic=spec["magic"], count=spec["count"], sha256=spec["sha256"], fix=fix
        )
    return _VERIFIED[key]


def _download(name, folder, progress=None):
    """Download one official file from the mirror into `folder` with pooch."""
    import pooch

    if progress is None:
        progress = sys.stderr.isatty()
    try:
        fetched = pooch.retrieve(
            url=MIRROR_URL + name,
            known_hash="md5:" + FILES[name]["md5"],
            fname=name,
            path=folder,
            progressbar=bool(progress),
        )
    except Exception as exc:  # network errors, hash mismatch
        raise DataError(
            f"{name}: download from {MIRROR_URL} failed ({exc}); check the connection, "
            f"or set {ENV_VAR} to a folder holding the four official files"
        ) from None
    return Path(fetched)


def locate_files(data_dir=None, download=True, progress=None):
    """Find the four official files, downloading into the cache if allowed.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder holding the four files. When given (or when ``FMNIST_EDU_DATA``
        is set) it must hold all four: nothing is looked up elsewhere.
    download : bool, default True
        Whether a file found nowhere is downloaded into the per-user cache.
    progress : bool, optional
        Show a download progress bar on stderr; by default only when stderr
        is a terminal.

    Returns
    -------
    found : dict
        File name -> ``(path, rule)``, `rule` one of ``"data_dir"``,
        ``"FMNIST_EDU_DATA"``, ``"cache"``, ``"debian"``, ``"downloaded"``.

    Raises
    ------
    DataError
        When a named folder is missing or lacks a file, or a download fails.
    """
    if data_dir is not None:
        rule, folder = "data_dir", Path(data_dir)
    elif os.environ.get(ENV_VAR):
        rule, folder = ENV_VAR, Path(os.environ[ENV_VAR])
    else:
        rule, folder = None, None

    found = {}
    if folder is not None:
        if rule == "data_dir":
            named_by, drop = "the data_dir argument (--data-dir)", "leave it out"
        else:
            named_by, drop = rule, f"unset {rule}"
        if not folder.is_dir():
            raise DataError(
                f"{folder} (named by {named_by}) is not a folder; point {named_by} to a "
                f"folder holding the four official Fashion-MNIST .gz files, or {drop} "
                f"to use the per-user cache"
            )
        for name in FILES:
            path = folder / name
            if not path.is_file():
                raise DataError(
                    f"{path} is missing (folder named by {named_by}); copy the official "
                    f"{name} there from {MIRROR_URL}, or {drop} to use the "
                    f"per-user cache (downloaded when absent)"
                )
            found[name] = (path, rule)
        return found

    cache = cache_dir()
    for name in FILES:
        if (cache / name).is_file():
            found[name] = (cache / name, "cache")
        elif (DEBIAN_DIR / name).is_file():
            found[name] = (DEBIAN_DIR / name, "debian")
        elif download:
            found[name] = (_download(name, cache, progress), "downloaded")
        else:
            raise DataError(
                f"{name} is in neither {cache} nor {DEBIAN_DIR}; set {ENV_VAR} to a "
                f"folder holding the four official files, or allow the download"
            )
    return found


def _load_raw(data_dir=None):
    """Return the verified raw arrays and where each file came from."""
    found = locate_files(data_dir)
    arrays = {name: _read_official(path, rule) for name, (path, rule) in found.items()}
    return arrays, found


def _course_subset(images, labels):
    """Keep the 5 course classes, relabelled 0..4, in file order."""
    keep = np.isin(labels, ORIGINAL_CLASSES)
    relabel = np.full(256, -1, dtype=np.int64)
    relabel[list(ORIGINAL_CLASSES)] = np.arange(len(ORIGINAL_CLASSES))
    X = images[keep].reshape(int(keep.sum()), -1).astype(np.float64)
    y = relabel[labels[keep]]
    return X, y


def train_subset_indices(n_pool=30_000, n_train=None, seed=None):
    """Sorted indices of the course training images among the 5-class pool.

    ``np.sort(np.random.default_rng(seed).choice(n_pool, n_train, replace=False))``
    with `n_train` defaulting to `N_TRAIN` and `seed` to `SUBSET_SEED`.
    """
    n_train = N_TRAIN if n_train is None else n_train
    seed = SUBSET_SEED if seed is None else seed
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_pool, n_train, replace=False))


def load_course_data(data_dir=None):
    """Load the course subset of Fashion-MNIST.

    The subset: original classes 0 T-shirt/top, 1 Trouser, 2 Pullover,
    3 Dress and 6 Shirt, relabelled 0..4 in that order (see `CLASS_NAMES`).

    - Test: all 5,000 official test images of these classes, in file order.
    - Train: of the 30,000 official training images of these classes (in
      file order), the 10,000 at the indices
      ``np.sort(np.random.default_rng(20171028).choice(30000, 10000, replace=False))``
      (`SUBSET_SEED`, `N_TRAIN`). Not stratified: class shares come out
      near, not at, 20%.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder holding the four official ``.gz`` files; by default
        ``FMNIST_EDU_DATA``, else the per-user cache, else Debian's folder,
        else a download into the cache (see the module docstring).

    Returns
    -------
    X_train : ndarray of shape (10000, 784), float64
        Flattened 28x28 images, pixel values 0..255 (not scaled).
    y_train : ndarray of shape (10000,), int64
        Labels 0..4.
    X_test : ndarray of shape (5000, 784), float64
    y_test : ndarray of shape (5000,), int64

    Raises
    ------
    DataError
        (a ``ValueError``) when a file is missing, truncated or corrupt.
    """
    arrays, _ = _load_raw(data_dir)
    X_pool, y_pool = _course_subset(
        arrays["train-images-idx3-ubyte.gz"], arrays["train-labels-idx1-ubyte.gz"]
    )
    X_test, y_test = _course_subset(
        arrays["t10k-images-idx3-ubyte.gz"], arrays["t10k-labels-idx1-ubyte.gz"]
    )
    index = train_subset_indices(n_pool=len(y_pool))
    return X_pool[index], y_pool[index], X_test, y_test


def describe_data(data_dir=None):
    """Say where the data came from, that it verified, and what it holds.

    Parameters
    ----------
    data_dir : str or Path, optional
        As in :func:`load_course_data`.

    Returns
    -------
    report : dict
        ``files``: list of dicts (``name``, ``path``, ``rule``: the look-up
        rule that found it, ``verified``: True, ``count``: items in the file);
        ``class_names``; ``n_train``, ``n_test``; ``train_class_count``,
        ``test_class_count`` (lists of 5 ints); ``train_class_share``,
        ``test_class_share`` (lists of 5 floats); ``subset_seed``.

    Raises
    ------
    DataError
        As :func:`load_course_data`.
    """
    arrays, found = _load_raw(data_dir)
    _, y_train, _, y_test = load_course_data(data_dir)
    k = len(CLASS_NAMES)
    train_count = np.bincount(y_train, minlength=k)
    test_count = np.bincount(y_test, minlength=k)
    return {
        "files": [
            {
                "name": name,
                "path": str(path),
                "rule": rule,
                "verified": True,
                "count": int(arrays[name].shape[0]),
            }
            for name, (path, rule) in found.items()
        ],
        "class_names": list(CLASS_NAMES),
        "subset_seed": SUBSET_SEED,
        "n_train": int(len(y_train)),
        "n_test": int(len(y_test)),
        "train_class_count": train_count.tolist(),
        "test_class_count": test_count.tolist(),
        "train_class_share": (train_count / len(y_train)).tolist(),
        "test_class_share": (test_count / len(y_test)).tolist(),
    }
