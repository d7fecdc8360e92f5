"""The data loader: look-up order, verification and the course subset.

Most tests write tiny IDX files of their own and patch the table of expected
checksums and counts; the tests marked ``study`` read the real files from
``FMNIST_EDU_DATA`` and are skipped when it is unset.
"""

import gzip
import hashlib
import io
import os

import numpy as np
import pytest

from fmnist_edu import data

TRAIN_LABELS = np.arange(40, dtype=np.uint8) % 10  # 20 of them in course classes
TEST_LABELS = np.arange(20, dtype=np.uint8) % 10  # 10 of them in course classes


def idx_bytes(array, magic):
    """The uncompressed IDX content of a uint8 array."""
    dims = b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return int(magic).to_bytes(4, "big") + dims + array.astype(np.uint8).tobytes()


def images_for(labels):
    """Images whose every pixel equals 10 * label + position % 7, to trace them."""
    n = len(labels)
    values = 10 * labels.astype(np.int64) + np.arange(n) % 7
    return np.broadcast_to(values[:, None, None], (n, 28, 28)).astype(np.uint8)


def gz_official(content, name):
    """gzip with a file name field and a timestamp, as upstream ships it."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buffer, mtime=1_503_000_000) as handle:
        handle.write(content)
    return buffer.getvalue()


def gz_debian(content):
    """gzip without a file name and with another timestamp, as Debian ships it."""
    return gzip.compress(content, mtime=0)


CONTENTS = {
    "train-images-idx3-ubyte.gz": idx_bytes(images_for(TRAIN_LABELS), data.IMAGES_MAGIC),
    "train-labels-idx1-ubyte.gz": idx_bytes(TRAIN_LABELS, data.LABELS_MAGIC),
    "t10k-images-idx3-ubyte.gz": idx_bytes(images_for(TEST_LABELS), data.IMAGES_MAGIC),
    "t10k-labels-idx1-ubyte.gz": idx_bytes(TEST_LABELS, data.LABELS_MAGIC),
}


def write_files(folder, debian=False):
    """Write the four tiny files into `folder` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in CONTENTS.items():
        raw = gz_debian(content) if debian else gz_official(content, name[:-3])
        (folder / name).write_bytes(raw)
    return folder


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """Patch the expected files to the tiny ones; no env, cache or Debian copy."""
    table = {
        name: {
            "magic": data.FILES[name]["magic"],
            "count": 40 if name.startswith("train") else 20,
            "sha256": hashlib.sha256(content).hexdigest(),
            "md5": "0" * 32,
        }
        for name, content in CONTENTS.items()
    }
    monkeypatch.setattr(data, "FILES", table)
    monkeypatch.setattr(data, "N_TRAIN", 8)
    monkeypatch.setattr(data, "_VERIFIED", {})
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.setattr(data, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "debian")

    def no_download(name, folder, progress=None):
        raise AssertionError(f"tried to download {name}")

    monkeypatch.setattr(data, "_download", no_download)
    return tmp_path


pytestmark = pytest.mark.data


def test_good_files_load_the_course_subset(tiny):
    folder = write_files(tiny / "good")
    X_train, y_train, X_test, y_test = data.load_course_data(folder)
    assert X_train.shape == (8, 784) and X_test.shape == (10, 784)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    # test: the course classes in file order, relabelled 0..4 (6 -> 4)
    np.testing.assert_array_equal(y_test, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4])
    # each image kept its own label: pixel = 10 * original label + position % 7
    original = np.array(data.ORIGINAL_CLASSES)[y_test]
    np.testing.assert_array_equal(X_test[:, 0] // 10, original)
    # train: the sorted seeded draw from the 20-image pool
    pool = np.flatnonzero(np.isin(TRAIN_LABELS, data.ORIGINAL_CLASSES))
    index = np.sort(np.random.default_rng(data.SUBSET_SEED).choice(20, 8, replace=False))
    expected = 10 * TRAIN_LABELS[pool[index]].astype(float) + pool[index] % 7
    np.testing.assert_array_equal(X_train[:, 0], expected)
    np.testing.assert_array_equal(X_train[:, 783], expected)


def test_debian_gzip_header_is_accepted(tiny):
    official = write_files(tiny / "official")
    debian = write_files(tiny / "deb", debian=True)
    name = "train-images-idx3-ubyte.gz"
    assert (official / name).read_bytes() != (debian / name).read_bytes()
    a = data.load_course_data(official)
    b = data.load_course_data(debian)
    for left, right in zip(a, b):
        np.testing.assert_array_equal(left, right)


def test_truncated_gzip_names_the_file(tiny):
    folder = write_files(tiny / "cut")
    path = folder / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(data.DataError, match="t10k-images-idx3-ubyte.gz.*gzip.*replace it"):
        data.load_course_data(folder)


def test_corrupt_file_in_cache_says_delete_and_rerun(tiny):
    folder = write_files(tiny / "cache")
    path = folder / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(data.DataError, match="t10k-images.*delete it and rerun to download"):
        data.load_course_data()


def test_not_gzip_at_all(tiny):
    folder = write_files(tiny / "plain")
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(CONTENTS["train-labels-idx1-ubyte.gz"])
    with pytest.raises(data.DataError, match="train-labels-idx1-ubyte.gz.*gzip"):
        data.load_course_data(folder)


def test_wrong_checksum(tiny):
    folder = write_files(tiny / "flip")
    labels = TEST_LABELS.copy()
    labels[0] = 1  # same size, same magic, one byte changed
    name = "t10k-labels-idx1-ubyte.gz"
    (folder / name).write_bytes(gz_debian(idx_bytes(labels, data.LABELS_MAGIC)))
    with pytest.raises(data.DataError, match=f"{name}.*checksum mismatch"):
        data.load_course_data(folder)


def test_wrong_magic(tiny):
    folder = write_files(tiny / "swap")
    # a labels file where the images should be
    name = "t10k-images-idx3-ubyte.gz"
    (folder / name).write_bytes(gz_debian(CONTENTS["t10k-labels-idx1-ubyte.gz"]))
    with pytest.raises(data.DataError, match=f"{name}.*magic number 0x00000801, expected 0x00000803"):
        data.load_course_data(folder)


def test_wrong_count(tiny):
    folder = write_files(tiny / "short")
    name = "train-labels-idx1-ubyte.gz"
    (folder / name).write_bytes(gz_debian(idx_bytes(TRAIN_LABELS[:30], data.LABELS_MAGIC)))
    with pytest.raises(data.DataError, match=f"{name}.*holds 30 items, expected 40"):
        data.load_course_data(folder)


def test_data_shorter_than_header_announces(tiny):
    folder = write_files(tiny / "lying")
    name = "train-labels-idx1-ubyte.gz"
    content = CONTENTS[name][:-5]  # header still says 40 labels
    (folder / name).write_bytes(gz_debian(content))
    with pytest.raises(data.DataError, match=f"{name}.*35 data bytes.*announces 40"):
        data.load_course_data(folder)


def test_missing_file_in_named_folder_is_an_error_not_a_download(tiny):
    folder = write_files(tiny / "partial")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(data.DataError, match="t10k-labels-idx1-ubyte.gz is missing.*data_dir"):
        data.load_course_data(folder)


def test_missing_folder(tiny):
    with pytest.raises(data.DataError, match="nowhere.*not a folder"):
        data.load_course_data(tiny / "nowhere")


def test_data_error_is_a_value_error():
    assert issubclass(data.DataError, ValueError)


def test_env_var_is_used_and_data_dir_beats_it(tiny, monkeypatch):
    env_folder = write_files(tiny / "env")
    arg_folder = write_files(tiny / "arg", debian=True)
    monkeypatch.setenv(data.ENV_VAR, str(env_folder))
    found = data.locate_files()
    assert {rule for _, rule in found.values()} == {data.ENV_VAR}
    assert all(path.parent == env_folder for path, _ in found.values())
    found = data.locate_files(arg_folder)
    assert {rule for _, rule in found.values()} == {"data_dir"}
    assert all(path.parent == arg_folder for path, _ in found.values())


def test_env_var_without_files_does_not_fall_through(tiny, monkeypatch):
    write_files(tiny / "cache")  # a good cache that must NOT be used
    monkeypatch.setenv(data.ENV_VAR, str(tiny / "empty"))
    (tiny / "empty").mkdir()
    with pytest.raises(data.DataError, match=f"missing.*{data.ENV_VAR}"):
        data.load_course_data()


def test_cache_then_debian_then_download(tiny, monkeypatch):
    write_files(tiny / "debian", debian=True)
    found = data.locate_files()
    assert {rule for _, rule in found.values()} == {"debian"}
    write_files(tiny / "cache")
    found = data.locate_files()
    assert {rule for _, rule in found.values()} == {"cache"}
    # nothing anywhere: each file is downloaded into the cache
    source = write_files(tiny / "mirror")
    for folder in ("cache", "debian"):
        for name in CONTENTS:
            (tiny / folder / name).unlink()
    calls = []

    def fake_download(name, folder, progress=None):
        calls.append(name)
        target = folder / name
        target.write_bytes((source / name).read_bytes())
        return target

    monkeypatch.setattr(data, "_download", fake_download)
    found = data.locate_files()
    assert sorted(calls) == sorted(CONTENTS)
    assert {rule for _, rule in found.values()} == {"downloaded"}
    assert data.load_course_data()[0].shape == (8, 784)
    assert {rule for _, rule in data.locate_files().values()} == {"cache"}


def test_loading_does_not_hand_out_shared_arrays(tiny):
    folder = write_files(tiny / "good")
    X_train, _, _, _ = data.load_course_data(folder)
    X_train[:] = -1
    again, _, _, _ = data.load_course_data(folder)
    assert again.min() >= 0


def test_describe_data(tiny):
    folder = write_files(tiny / "good")
    report = data.describe_data(folder)
    assert [f["name"] for f in report["files"]] == list(data.FILES)
    assert all(f["verified"] and f["rule"] == "data_dir" for f in report["files"])
    assert report["n_train"] == 8 and report["n_test"] == 10
    assert report["test_class_count"] == [2, 2, 2, 2, 2]
    assert sum(report["train_class_count"]) == 8
    np.testing.assert_allclose(sum(report["train_class_share"]), 1.0)


@pytest.mark.network
def test_download_from_the_official_mirror(tmp_path):
    """Downloads the two small label files (about 35 kB) and verifies them."""
    import socket
    from urllib.parse import urlparse

    host = urlparse(data.MIRROR_URL).hostname
    try:
        socket.create_connection((host, 80), timeout=3).close()
    except OSError:
        pytest.skip(f"{host} is not reachable")
    for name in ("train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        path = data._download(name, tmp_path, progress=False)
        assert path == tmp_path / name
        spec = data.FILES[name]
        labels = data.read_idx(path, spec["magic"], spec["count"], spec["sha256"])
        assert labels.shape == (spec["count"],)


# --- the real files ---------------------------------------------------------

real_data = pytest.mark.skipif(
    not os.environ.get(data.ENV_VAR), reason=f"{data.ENV_VAR} is not set"
)


@pytest.mark.study
@real_data
def test_real_course_data():
    X_train, y_train, X_test, y_test = data.load_course_data()
    assert X_train.shape == (10_000, 784) and X_test.shape == (5_000, 784)
    assert y_train.shape == (10_000,) and y_test.shape == (5_000,)
    assert X_train.min() == 0 and X_train.max() == 255
    assert set(np.unique(y_train)) == set(range(5))
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 5)
    shares = np.bincount(y_train, minlength=5) / len(y_train)
    np.testing.assert_allclose(shares, 0.2, atol=0.01)
    assert not np.allclose(shares, 0.2)  # not stratified


@pytest.mark.study
@real_data
def test_real_describe_data_agrees():
    report = data.describe_data()
    assert [f["count"] for f in report["files"]] == [60_000, 60_000, 10_000, 10_000]
    assert report["train_class_count"] == [2038, 1983, 1953, 2030, 1996]
