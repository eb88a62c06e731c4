"""The hand-off formats through the data store (kernel_side/mapped_formats.py): every dtype
family comes back exactly, in Arrow IPC when Arrow gives it back unchanged and through pickle
protocol 5 otherwise; local files are mapped copy-on-write (a consumer may change what it got,
the store's file stays as written); the old kinds still load; an S3 store gets the same values."""

from __future__ import annotations

import hashlib
import io
import os
import pickle

import numpy as np
import pandas as pd
import pytest

from notebook_ops.kernel_side import mapped_formats, serializers
from notebook_ops.kernel_side.data_store import DataStore
from s3server import s3  # noqa: F401 - the fixture


@pytest.fixture
def store(tmp_path):
    return DataStore(str(tmp_path / "data"))


def _frames() -> dict[str, tuple[pd.DataFrame, str]]:
    """name -> (frame, the kind it must be saved as)."""
    n = 5
    day = pd.date_range("2024-03-30", periods=n, freq="D")
    arrow = {
        "ints": pd.DataFrame({f"{t}": np.arange(n, dtype=t) for t in ("int8", "int16", "int32", "int64")}),
        "uints": pd.DataFrame(
            {f"{t}": np.arange(n, dtype=t) for t in ("uint8", "uint16", "uint32", "uint64")}
        ),
        "floats": pd.DataFrame(
            {"f32": np.float32([0.5, np.nan, 2, 3, -1]), "f64": [np.inf, 1e-300, np.nan, 0, -0.0]}
        ),
        "bools": pd.DataFrame({"b": [True, False, True, True, False]}),
        "strings": pd.DataFrame({"s": ["a", "", "ünï", None, "x" * 1000]}),
        "arrow_strings": pd.DataFrame({"s": pd.array(["a", None, "c", "d", "e"], dtype="string[pyarrow]")}),
        "nullable": pd.DataFrame(
            {
                "I": pd.array([1, None, 3, 4, 5], dtype="Int64"),
                "U8": pd.array([1, None, 3, 4, 5], dtype="UInt8"),
                "F": pd.array([0.5, None, 1, 2, 3], dtype="Float64"),
                "B": pd.array([True, None, False, True, None], dtype="boolean"),
            }
        ),
        "categoricals": pd.DataFrame(
            {
                "c": pd.Categorical(["x", "y", "x", None, "z"]),
                "ordered": pd.Categorical(
                    ["lo", "hi", "lo", "hi", "lo"], categories=["lo", "hi"], ordered=True
                ),
                "int_cats": pd.Categorical([3, 1, 3, 1, 2]),
                "unused": pd.Categorical(["a"] * n, categories=["a", "b", "c"]),
            }
        ),
        "datetimes": pd.DataFrame(
            {
                "ns": pd.date_range("2024-01-01", periods=n, freq="h").astype("datetime64[ns]"),
                "us": pd.date_range("2024-01-01", periods=n, freq="h").astype("datetime64[us]"),
                "s": pd.date_range("2024-01-01", periods=n, freq="h").astype("datetime64[s]"),
                "tz": pd.date_range("2024-03-31 00:00", periods=n, freq="h", tz="Europe/Paris"),  # DST
                "nat": pd.to_datetime(["2024-01-01", None, "2024-01-03", None, "2024-01-05"]),
                "td": pd.to_timedelta([1, 2, None, 4, 5], unit="s"),
            }
        ),
        "periods_intervals": pd.DataFrame(
            {"p": pd.period_range("2024-01", periods=n, freq="M"), "iv": pd.interval_range(0, n)}
        ),
        "named_index": pd.DataFrame({"v": range(n)}, index=pd.Index(list("abcde"), name="key")),
        "datetime_index": pd.DataFrame({"v": range(n)}, index=pd.DatetimeIndex(day, freq=None, name="day")),
        "multi_index": pd.DataFrame(
            {"v": range(4)}, index=pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["k", "j"])
        ),
        "empty": pd.DataFrame({"a": pd.Series([], dtype="int64"), "s": pd.Series([], dtype="str")}),
        "no_columns": pd.DataFrame(index=range(3)),
    }
    pickled = {
        "objects": pd.DataFrame({"o": [1, "x", None, 2.5, (1, 2)]}),
        "object_strings": pd.DataFrame({"o": pd.Series(list("abcde"), dtype=object)}),
        "python_strings": pd.DataFrame({"s": pd.array(["a", None, "c", "d", "e"], dtype="string[python]")}),
        "complex": pd.DataFrame({"z": np.array([1 + 2j] * n)}),
        "float16": pd.DataFrame({"h": np.float16([1, 2, 3, 4, 5])}),
        "index_with_freq": pd.DataFrame({"v": range(n)}, index=day),
        "int_columns": pd.DataFrame({1: range(n), 2: range(n)}),
        "duplicate_columns": pd.DataFrame([[1, 2]], columns=["a", "a"]),
        "multi_columns": pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")])),
        "sparse": pd.DataFrame({"sp": pd.arrays.SparseArray([0, 0, 1, 0, 2])}),
    }
    out = {k: (v, "pandas-arrow") for k, v in arrow.items()}
    out.update({k: (v, "pickle5") for k, v in pickled.items()})
    return out


FRAMES = _frames()


def _same_frame(back, df):
    assert type(back) is type(df)
    pd.testing.assert_frame_equal(back, df, check_exact=True, check_freq=True, check_flags=True)
    assert list(back.dtypes) == list(df.dtypes)
    assert type(back.index) is type(df.index) and back.index.names == df.index.names
    assert back.columns.name == df.columns.name
    assert back.attrs == df.attrs


@pytest.mark.parametrize("name", sorted(FRAMES))
def test_every_dtype_family_round_trips_exactly(store, name):
    df, kind = FRAMES[name]
    df = df.copy()
    df.attrs["source"] = name
    df.columns.name = None if isinstance(df.columns, pd.MultiIndex) else "cols"
    entries = store.save_values("s", {"df": df})
    assert entries["df"]["kind"] == kind
    _same_frame(store.load_value("s", "df"), df)
    # a format that refused the frame left no file behind (temp files included)
    assert sorted(os.listdir(store.path("s"))) == sorted(["_outputs.json", entries["df"]["file"]])


@pytest.mark.parametrize(
    "name", sorted(n for n, (df, kind) in FRAMES.items() if kind == "pandas-arrow" and len(df) > 1)
)
def test_a_loaded_frame_takes_new_values_in_every_column(store, name):
    """What Arrow hands over without a copy (categorical codes) is copied: a step sets values
    in a frame it received as it would in a notebook run top to bottom."""
    df, _ = FRAMES[name]
    store.save_values("s", {"df": df})
    back = store.load_value("s", "df")
    expected = df.copy()
    for frame in (back, expected):
        for i in range(frame.shape[1]):
            frame.iloc[0, i] = frame.iloc[1, i]
    _same_frame(back, expected)
    _same_frame(store.load_value("s", "df"), df)


ARRAYS = {
    "int8": np.arange(-5, 5, dtype="int8"),
    "uint64": np.arange(10, dtype="uint64") * (2**60),
    "float16": np.float16([0.5, np.nan, np.inf]),
    "float64_2d": np.arange(12.0).reshape(3, 4),
    "fortran": np.asfortranarray(np.arange(12).reshape(3, 4)),
    "complex": np.array([1 + 1j, -2j]),
    "bool": np.array([True, False]),
    "datetime": np.array(["2024-01-01", "NaT"], dtype="datetime64[ns]"),
    "timedelta": np.array([1, 2], dtype="timedelta64[s]"),
    "unicode": np.array(["a", "ünï"]),
    "bytes": np.array([b"a", b"bc"]),
    "structured": np.zeros(3, dtype=[("x", "i4"), ("y", "f8", (2,))]),
    "scalar": np.array(3.5),
    "empty": np.zeros((0, 3)),
}


@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_arrays_round_trip_as_plain_writable_arrays(store, name):
    arr = ARRAYS[name]
    entry = store.save_values("s", {"a": arr})["a"]
    assert entry["kind"] == "npy"
    saved = io.BytesIO()
    np.save(saved, arr, allow_pickle=False)  # the bytes before: caches keyed on them still hit
    assert open(store.path("s", entry["file"]), "rb").read() == saved.getvalue()
    back = store.load_value("s", "a")
    assert type(back) is np.ndarray  # not np.memmap: what the producer had
    assert back.dtype == arr.dtype and back.shape == arr.shape
    assert back.flags.f_contiguous == arr.flags.f_contiguous
    assert back.flags.writeable
    np.testing.assert_array_equal(back, arr)


def test_object_arrays_and_other_objects_go_to_pickle_5(store):
    big = np.random.default_rng(0).random(100_000)
    value = {
        "objs": np.array([{"a": 1}, None], dtype=object),
        "big": big,
        "frame": FRAMES["objects"][0],
        "n": 3,
    }
    entries = store.save_values("s", {"v": value, "big_alone_in_a_list": [big]})
    assert {e["kind"] for e in entries.values()} == {"pickle5"}
    back = store.load_value("s", "v")
    assert back["n"] == 3 and back["objs"][0] == {"a": 1}
    np.testing.assert_array_equal(back["big"], big)
    pd.testing.assert_frame_equal(back["frame"], value["frame"])
    # the array went out of band: the file is its bytes after a small pickle, 64-byte aligned
    raw = open(store.path("s", entries["v"]["file"]), "rb").read()
    assert raw.startswith(mapped_formats.MAGIC)
    assert len(raw) - big.nbytes < 64 * 1024
    start = raw.find(big.tobytes())
    assert start > 0 and start % 64 == 0


def _mapped(path: str) -> bool:
    with open("/proc/self/maps") as maps:
        return any(line.rstrip().endswith(os.path.realpath(path)) for line in maps)


def _sha(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_a_local_value_is_mapped_and_changes_stay_in_the_consumer(tmp_path, store):
    """Three formats, each loaded from the producer's file by mapping it (the value stays in the
    file: /proc/self/maps shows it); a consumer that changes its copy changes its own pages, not
    the file, nor a cache entry hard-linked to it, nor what the next consumer loads."""
    df = pd.DataFrame({"f": np.arange(200_000, dtype=float), "s": ["w"] * 200_000})
    arr = np.arange(200_000, dtype=float)
    obj = {"weights": np.arange(200_000, dtype=float)}
    entries = store.save_values("p", {"df": df, "arr": arr, "obj": obj})
    paths = {n: store.path("p", e["file"]) for n, e in entries.items()}
    cache_copy = tmp_path / "cache-entry"
    cache_copy.mkdir()
    for n, p in paths.items():
        os.link(p, cache_copy / n)  # as the step cache keeps it (execution/cache.py)
    before = {n: _sha(p) for n, p in paths.items()}
    assert before == {n: e["sha256"] for n, e in entries.items()}

    got = store.load_values({n: ("p", e) for n, e in entries.items()})
    assert all(_mapped(p) for p in paths.values())
    got["arr"][:] = -1
    got["obj"]["weights"] *= 2
    got["df"].loc[0, "f"] = -1.0
    got["df"]["f"] += 1
    got["df"].loc[1, "s"] = "changed"
    assert got["arr"][5] == -1 and got["obj"]["weights"][5] == 10 and got["df"]["f"][0] == 0.0

    assert {n: _sha(p) for n, p in paths.items()} == before
    assert {n: _sha(cache_copy / n) for n in paths} == before
    again = store.load_values({n: ("p", e) for n, e in entries.items()})
    np.testing.assert_array_equal(again["arr"], arr)
    np.testing.assert_array_equal(again["obj"]["weights"], obj["weights"])
    pd.testing.assert_frame_equal(again["df"], df)


def test_a_file_replaced_under_a_mapping_leaves_the_mapping_as_it_was(store):
    """A step re-run writes its outputs by rename: a consumer still holding the old mapping
    keeps the old value (no torn reads), a new load gets the new one."""
    store.save_values("p", {"arr": np.zeros(100_000)})
    held = store.load_value("p", "arr")
    store.save_values("p", {"arr": np.ones(100_000)})
    assert held.sum() == 0
    assert store.load_value("p", "arr").sum() == 100_000


def test_old_kinds_still_load(store):
    """Data stores and cache entries written before this format (Parquet, cloudpickle) load:
    the manifest names the kind that wrote each file."""
    df = pd.DataFrame({"i": [1, 2], "s": ["a", "b"], "c": pd.Categorical(["x", "y"])})
    obj = {"fn": _double, "arr": np.arange(5)}
    old = {
        "df": ("parquet", serializers._dump_parquet(df)),
        "obj": ("cloudpickle", serializers._dump_pickle(obj)),
    }
    prepared = {n: (serializers.by_kind(k), data) for n, (k, data) in old.items()}
    entries = store.save_values("old", {"df": df, "obj": obj}, prepared=prepared)
    assert {n: e["kind"] for n, e in entries.items()} == {"df": "parquet", "obj": "cloudpickle"}
    assert {e["file"] for e in entries.values()} == {"df.parquet", "obj.pkl"}
    back = DataStore(store.location).load_values({n: ("old", e) for n, e in entries.items()})
    pd.testing.assert_frame_equal(back["df"], df)
    assert back["obj"]["fn"](2) == 4
    np.testing.assert_array_equal(back["obj"]["arr"], obj["arr"])


def _double(x):
    return x * 2


def test_pickle5_file_that_is_not_one_is_refused(tmp_path):
    bad = tmp_path / "x.pkl5"
    bad.write_bytes(pickle.dumps(1))
    with pytest.raises(ValueError, match="bad magic"):
        mapped_formats.load_pickle5_file(str(bad))
    bad.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        mapped_formats.load_pickle5_file(str(bad))


def test_s3_store_gets_the_same_values_writable(s3):  # noqa: F811 - the fixture
    """No file to map on S3: the same bytes load from memory, and what pickle and numpy hand
    back can be changed, as from a local store."""
    store = DataStore(s3.url("run1"))
    assert store.remote
    df = FRAMES["datetimes"][0]
    arr = np.arange(100_000, dtype=float)
    obj = {"weights": np.arange(100_000, dtype=float), "objs": FRAMES["objects"][0]}
    entries = store.save_values("p", {"df": df, "arr": arr, "obj": obj})
    assert {n: e["kind"] for n, e in entries.items()} == {
        "df": "pandas-arrow",
        "arr": "npy",
        "obj": "pickle5",
    }
    assert s3.fs().exists(f"{s3.bucket}/run1/p/obj.pkl5")
    back = DataStore(s3.url("run1")).load_values({n: ("p", e) for n, e in entries.items()})
    _same_frame(back["df"], df)
    np.testing.assert_array_equal(back["arr"], arr)
    pd.testing.assert_frame_equal(back["obj"]["objs"], obj["objs"])
    back["arr"][0] = -1
    back["obj"]["weights"][0] = -1
    back["df"].loc[0, "td"] = pd.Timedelta(0)
    again = DataStore(s3.url("run1")).load_value("p", "obj")
    assert again["weights"][0] == 0


def test_the_file_streamed_is_what_dump_gives(store):
    """The in-place check (kernel_side/step.py) compares ``dump``'s bytes with the sha256 the
    store recorded while streaming the file: the two paths must give the same bytes."""
    values = {
        "df": FRAMES["datetimes"][0],
        "arr": np.asfortranarray(np.arange(90_000.0).reshape(300, 300)),
        "obj": {"w": np.ones(100_000), "o": [1, "a"]},
    }
    entries = store.save_values("p", values)
    for name, value in values.items():
        ser, data = serializers.dump(value)
        assert ser.kind == entries[name]["kind"]
        assert (
            hashlib.sha256(data).hexdigest()
            == entries[name]["sha256"]
            == _sha(store.path("p", entries[name]["file"]))
        )
        assert memoryview(data).nbytes == entries[name]["bytes"]
