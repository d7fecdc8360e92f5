"""The students' standalone loader ``fmnist_checks.data`` (``autograder/fmnist_checks/data.py``).

Same subset and look-up order as ``fmnist_edu.data`` without fmnist_edu or
pooch. The tests write tiny IDX files and patch the table of expected
checksums and counts; downloads go to a fake ``urlopen``. The ``study`` tests
compare with ``fmnist_edu.load_course_data`` on the real files.
"""

import gzip
import hashlib
import importlib.util
import io
import os
from pathlib import Path

import numpy as np
import pytest

LOADER_PATH = Path(__file__).resolve().parents[1] / "autograder" / "fmnist_checks" / "data.py"
TRAIN_LABELS = np.arange(40, dtype=np.uint8) % 10  # 20 of them in course classes
TEST_LABELS = np.arange(20, dtype=np.uint8) % 10  # 10 of them in course classes

pytestmark = pytest.mark.data


def load_module():
    """A fresh copy of the loader module (as the notebooks import it)."""
    spec = importlib.util.spec_from_file_location("fmnist_data_under_test", LOADER_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def idx_bytes(array, magic):
    """The uncompressed IDX content of a uint8 array."""
    dims = b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return int(magic).to_bytes(4, "big") + dims + array.astype(np.uint8).tobytes()


def images_for(labels):
    """Images whose every pixel equals 10 * label + position % 7, to trace them."""
    values = 10 * labels.astype(np.int64) + np.arange(len(labels)) % 7
    return np.broadcast_to(values[:, None, None], (len(labels), 28, 28)).astype(np.uint8)


CONTENTS = {
    "train-images-idx3-ubyte.gz": idx_bytes(images_for(TRAIN_LABELS), 0x803),
    "train-labels-idx1-ubyte.gz": idx_bytes(TRAIN_LABELS, 0x801),
    "t10k-images-idx3-ubyte.gz": idx_bytes(images_for(TEST_LABELS), 0x803),
    "t10k-labels-idx1-ubyte.gz": idx_bytes(TEST_LABELS, 0x801),
}


def gz(content, debian=False):
    """gzip as upstream ships it (name, timestamp) or as Debian does (neither)."""
    if debian:
        return gzip.compress(content, mtime=0)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="x", mode="wb", fileobj=buffer, mtime=1_503_000_000) as handle:
        handle.write(content)
    return buffer.getvalue()


def write_files(folder, debian=False):
    """Write the four tiny files into `folder` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in CONTENTS.items():
        (folder / name).write_bytes(gz(content, debian))
    return folder


@pytest.fixture
def loader(monkeypatch, tmp_path):
    """The module with the tiny files' table; no env, empty cache and Debian folders."""
    module = load_module()
    monkeypatch.setattr(module, "FILES", {
        name: (module.FILES[name][0], 40 if name.startswith("train") else 20,
               hashlib.sha256(content).hexdigest())
        for name, content in CONTENTS.items()
    })
    monkeypatch.setattr(module, "N_TRAIN", 8)
    monkeypatch.delenv(module.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(module, "DEBIAN_DIR", tmp_path / "debian")

    def no_network(url, timeout=None):
        raise AssertionError(f"tried to download {url}")

    monkeypatch.setattr(module.urllib.request, "urlopen", no_network)
    module.tmp = tmp_path
    return module


def test_standalone_imports_only_numpy_and_the_standard_library():
    source = LOADER_PATH.read_text()
    assert "fmnist_edu" not in source and "pooch" not in source
    assert len(source.splitlines()) < 150


def test_good_files_load_the_course_subset(loader):
    folder = write_files(loader.tmp / "good")
    X_train, y_train, X_test, y_test = loader.load_course_data(folder)
    assert X_train.shape == (8, 784) and X_test.shape == (10, 784)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    np.testing.assert_array_equal(y_test, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4])
    original = np.array(loader.ORIGINAL_CLASSES)[y_test]
    np.testing.assert_array_equal(X_test[:, 0] // 10, original)
    pool = np.flatnonzero(np.isin(TRAIN_LABELS, loader.ORIGINAL_CLASSES))
    index = np.sort(np.random.default_rng(20171028).choice(20, 8, replace=False))
    expected = 10 * TRAIN_LABELS[pool[index]].astype(float) + pool[index] % 7
    np.testing.assert_array_equal(X_train[:, 0], expected)
    np.testing.assert_array_equal(X_train[:, 783], expected)


def test_same_subset_as_the_reference_on_tiny_files(loader, monkeypatch):
    data = pytest.importorskip("fmnist_edu.data")
    folder = write_files(loader.tmp / "both")
    monkeypatch.setattr(data, "FILES", {
        name: {"magic": loader.FILES[name][0], "count": loader.FILES[name][1],
               "sha256": loader.FILES[name][2], "md5": "0" * 32} for name in CONTENTS})
    monkeypatch.setattr(data, "N_TRAIN", 8)
    monkeypatch.setattr(data, "_VERIFIED", {})
    for ours, theirs in zip(loader.load_course_data(folder), data.load_course_data(folder)):
        np.testing.assert_array_equal(ours, theirs)
        assert ours.dtype == theirs.dtype


def test_debian_gzip_header_is_accepted(loader):
    a = loader.load_course_data(write_files(loader.tmp / "official"))
    b = loader.load_course_data(write_files(loader.tmp / "deb", debian=True))
    for left, right in zip(a, b):
        np.testing.assert_array_equal(left, right)


@pytest.mark.parametrize("damage, message", [
    (lambda raw: raw[:-40], "not a complete gzip file"),
    (lambda raw: gzip.decompress(raw), "not a complete gzip file"),
    (lambda raw: gz(gzip.decompress(raw)[:-1] + b"\x07"), "checksum mismatch"),
])
def test_damaged_file_is_one_error_naming_it_and_the_fix(loader, damage, message):
    folder = write_files(loader.tmp / "bad")
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ValueError, match=f"t10k-labels-idx1-ubyte.gz.*{message}.*delete it"):
        loader.load_course_data(folder)


def test_missing_file_or_folder_named_by_the_user(loader):
    folder = write_files(loader.tmp / "partial")
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz is missing.*data_dir"):
        loader.load_course_data(folder)
    with pytest.raises(ValueError, match="nowhere.*not a folder"):
        loader.load_course_data(loader.tmp / "nowhere")


def test_env_var_is_used_beaten_by_data_dir_and_never_falls_through(loader, monkeypatch):
    write_files(loader.tmp / "xdg" / "fmnist-edu")  # a good cache that must not be used
    env_folder = write_files(loader.tmp / "env")
    monkeypatch.setenv(loader.ENV_VAR, str(env_folder))
    assert {path.parent for path in loader._locate()} == {env_folder}
    arg_folder = write_files(loader.tmp / "arg")
    assert {path.parent for path in loader._locate(arg_folder)} == {arg_folder}
    (loader.tmp / "empty").mkdir()
    monkeypatch.setenv(loader.ENV_VAR, str(loader.tmp / "empty"))
    with pytest.raises(ValueError, match=f"missing.*{loader.ENV_VAR}"):
        loader.load_course_data()


def test_cache_then_debian(loader):
    debian = write_files(loader.tmp / "debian", debian=True)
    assert {path.parent for path in loader._locate()} == {debian}
    cache = write_files(loader.cache_dir())
    assert cache == loader.tmp / "xdg" / "fmnist-edu"
    assert {path.parent for path in loader._locate()} == {cache}


class FakeResponse(io.BytesIO):
    """What ``urlopen`` returns: a readable body with headers."""

    def __init__(self, body):
        super().__init__(body)
        self.headers = {"Content-Length": str(len(body))}


def test_download_into_the_cache_through_a_verified_temp_file(loader, monkeypatch, capsys):
    urls = []

    def fake_urlopen(url, timeout=None):
        urls.append(url)
        return FakeResponse(gz(CONTENTS[url.rsplit("/", 1)[1]]))

    monkeypatch.setattr(loader.urllib.request, "urlopen", fake_urlopen)
    assert loader.load_course_data()[0].shape == (8, 784)
    assert sorted(url.rsplit("/", 1)[1] for url in urls) == sorted(CONTENTS)
    assert all(url.startswith(loader.MIRROR_URL) for url in urls)
    cache = loader.cache_dir()
    assert sorted(p.name for p in cache.iterdir()) == sorted(CONTENTS)  # no .part left
    assert "100%" in capsys.readouterr().err
    urls.clear()
    loader.load_course_data()
    assert urls == []  # now read from the cache


def test_corrupt_or_failed_download_leaves_nothing_behind(loader, monkeypatch):
    def corrupt(url, timeout=None):
        return FakeResponse(gz(b"not the file"))

    monkeypatch.setattr(loader.urllib.request, "urlopen", corrupt)
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: download.*failed.*checksum"):
        loader.load_course_data()
    assert list(loader.cache_dir().iterdir()) == []

    def offline(url, timeout=None):
        raise OSError("network is unreachable")

    monkeypatch.setattr(loader.urllib.request, "urlopen", offline)
    with pytest.raises(ValueError, match=f"unreachable.*set {loader.ENV_VAR}"):
        loader.load_course_data()
    assert list(loader.cache_dir().iterdir()) == []


def test_loading_does_not_hand_out_shared_arrays(loader):
    folder = write_files(loader.tmp / "good")
    X_train, y_train, X_test, _ = loader.load_course_data(folder)
    X_train[:] = -1
    X_test[:] = -1
    y_train[:] = -1
    again = loader.load_course_data(folder)
    assert again[0].min() >= 0 and again[2].min() >= 0 and again[1].min() >= 0


@pytest.mark.study
@pytest.mark.skipif(not os.environ.get("FMNIST_EDU_DATA"), reason="FMNIST_EDU_DATA is not set")
def test_real_files_give_the_reference_subset():
    from fmnist_edu.data import load_course_data

    ours = load_module().load_course_data()
    for left, right in zip(ours, load_course_data()):
        np.testing.assert_array_equal(left, right)
    assert ours[0].shape == (10_000, 784)
    assert np.bincount(ours[1]).tolist() == [2038, 1983, 1953, 2030, 1996]
