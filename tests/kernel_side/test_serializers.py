"""The serialiser registry with the real libraries: each built-in round-trips through the data
store in its own format, a value nothing can save is one line with the two fixes, skops on
request, and a type test never imports a library."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading

import numpy as np
import pytest

from notebook_ops.kernel_side import library_serializers, serializers
from notebook_ops.kernel_side.data_store import DataStore, OutputError


@pytest.fixture
def store(tmp_path):
    return DataStore(str(tmp_path / "data"))


def _roundtrip(store, name, value, kind):
    entries = store.save_values("s", {name: value})
    assert entries[name]["kind"] == kind
    manifest = json.loads(open(store.path("s", "_outputs.json"), encoding="utf-8").read())
    assert manifest["outputs"][name]["kind"] == kind
    return store.load_value("s", name)


def test_polars_and_pyarrow(store):
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    df = pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None], "c": [0.5, None, 2.0]})
    back = _roundtrip(store, "pdf", df, "polars-ipc")
    assert isinstance(back, pl.DataFrame) and back.equals(df)
    table = pa.Table.from_pandas(
        pd.DataFrame({"a": [1, 2], "t": pd.to_datetime(["2024-01-01", "2024-02-01"])})
    )
    back = _roundtrip(store, "table", table, "arrow-ipc")
    assert isinstance(back, pa.Table) and back.equals(table)
    assert back.to_pandas()["t"].dtype.kind == "M"  # the pandas metadata travels


def test_xgboost_dmatrix_and_booster(store):
    import xgboost as xgb

    rng = np.random.default_rng(0)
    X, y = rng.random((40, 3)), rng.integers(0, 2, 40).astype(float)
    dm = xgb.DMatrix(X, label=y, feature_names=["f0", "f1", "f2"])
    back = _roundtrip(store, "D_trn", dm, "xgboost-dmatrix")
    assert isinstance(back, xgb.DMatrix)
    assert (back.num_row(), back.num_col(), back.feature_names) == (40, 3, ["f0", "f1", "f2"])
    np.testing.assert_array_equal(back.get_label(), y)
    booster = xgb.train({"objective": "binary:logistic"}, dm, num_boost_round=3)
    again = _roundtrip(store, "bst", booster, "xgboost-booster")
    assert isinstance(again, xgb.Booster)
    np.testing.assert_allclose(again.predict(dm), booster.predict(dm))


def test_lightgbm_booster(store):
    import lightgbm as lgb

    rng = np.random.default_rng(1)
    X, y = rng.random((60, 4)), rng.random(60)
    booster = lgb.train({"verbose": -1, "num_leaves": 4}, lgb.Dataset(X, label=y), num_boost_round=5)
    back = _roundtrip(store, "gbm", booster, "lightgbm-booster")
    assert isinstance(back, lgb.Booster)
    np.testing.assert_allclose(back.predict(X), booster.predict(X))


def test_torch_tensor_and_module(store):
    import torch

    t = torch.arange(6.0).reshape(2, 3)
    back = _roundtrip(store, "t", t, "torch-tensor")
    assert torch.equal(back, t)
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    again = _roundtrip(store, "net", net, "torch-module")
    x = torch.ones(1, 3)
    assert torch.equal(again(x), net(x))


def test_torch_module_class_from_the_notebook_loads_elsewhere(tmp_path):
    """A module whose class the notebook defined (``__main__``) travels by value: another
    process with no such class loads it."""
    data = str(tmp_path / "data")
    code = (
        "import torch\n"
        "from notebook_ops.kernel_side.data_store import DataStore\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__(); self.lin = torch.nn.Linear(2, 1)\n"
        "    def forward(self, x):\n"
        "        return self.lin(x) * 2\n"
        "torch.manual_seed(0)\n"
        f"print(DataStore({data!r}).save_values('s', {{'net': Net()}})['net']['kind'])\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "torch-module"
    import torch

    net = DataStore(data).load_value("s", "net")
    assert type(net).__name__ == "Net"
    torch.manual_seed(0)
    expected = torch.nn.Linear(2, 1)  # the same seed gives the same weights
    x = torch.ones(1, 2)
    assert torch.allclose(net(x), expected(x) * 2)


def test_keras_model(store, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="out")])
    back = _roundtrip(store, "model", model, "keras")
    assert isinstance(back, keras.Model) and [layer.name for layer in back.layers] == ["out"]
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_sklearn_is_cloudpickle_unless_skops_is_asked_for(store):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import FunctionTransformer

    X = np.random.default_rng(2).random((30, 2))
    y = (X[:, 0] > 0.5).astype(int)
    model = LogisticRegression().fit(X, y)
    try:
        assert store.save_values("s", {"m": model})["m"]["kind"] == "pickle5"
        library_serializers.configure({"sklearn": "skops"})
        back = _roundtrip(store, "m", model, "skops")
        np.testing.assert_array_equal(back.predict(X), model.predict(X))
        own = FunctionTransformer(_double)  # a function skops has not vetted
        with pytest.raises(OutputError) as err:
            store.save_values("s", {"ft": own})
        msg = str(err.value)
        assert "\n" not in msg
        assert (
            "cannot save output 'ft' (sklearn.preprocessing._function_transformer.FunctionTransformer)" in msg
        )
        assert "skops" in msg and "_double" in msg
    finally:
        library_serializers.configure(None)


def _double(x):
    return x * 2


def _generator():
    return (i for i in range(3))


@pytest.mark.parametrize(
    "make, type_name",
    [
        (threading.Lock, "_thread.lock"),
        (_generator, "generator"),
        (lambda: sqlite3.connect(":memory:"), "sqlite3.Connection"),
    ],
)
def test_unsaveable_is_one_line_with_the_two_fixes(store, make, type_name):
    value = make()
    with pytest.raises(OutputError) as err:
        store.save_values("prep", {"ok": 1, "bad": value})
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"step 'prep': cannot save output 'bad' ({type_name}): ")
    assert "TypeError: cannot pickle" in msg  # the cause, as the pickler said it
    assert "compute it in the step that uses it" in msg
    assert f"register a serialiser for {type_name} (entry point group notebook_ops.serializers" in msg
    assert not os.path.exists(store.path("prep", "_outputs.json"))


def test_type_tests_import_nothing():
    """Asking every serialiser about plain values imports none of the libraries."""
    code = (
        "import sys\n"
        "from notebook_ops.kernel_side import serializers\n"
        "for v in (1, 'x', [1], {'a': 1}, object()):\n"
        "    serializers.dump(v)\n"
        "heavy = {'torch', 'keras', 'xgboost', 'lightgbm', 'polars', 'pyarrow', 'skops', 'sklearn',\n"
        "         'pandas'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    kinds = [s.kind for s in serializers.serializers()]
    assert kinds[-1] == "pickle5" and kinds.index("torch-module") > kinds.index("keras")


def _make(constructor: str, tmp_path):
    """A real value of each constructor the model's lint table names."""
    import concurrent.futures
    import multiprocessing
    import queue
    import socket
    import tempfile

    makers = {
        "tempfile.TemporaryFile": lambda: tempfile.TemporaryFile(),  # noqa: SIM115
        "sqlite3.connect": lambda: sqlite3.connect(":memory:"),
        "threading.Lock": threading.Lock,
        "threading.RLock": threading.RLock,
        "threading.Condition": threading.Condition,
        "threading.Semaphore": threading.Semaphore,
        "threading.Event": threading.Event,
        "threading.Thread": lambda: threading.Thread(target=print),
        "queue.Queue": queue.Queue,
        "socket.socket": socket.socket,
        "subprocess.Popen": lambda: subprocess.Popen(["true"]),
        "multiprocessing.Pool": lambda: multiprocessing.get_context("spawn").Pool(1),
        "concurrent.futures.ThreadPoolExecutor": lambda: concurrent.futures.ThreadPoolExecutor(1),
        "concurrent.futures.ProcessPoolExecutor": lambda: concurrent.futures.ProcessPoolExecutor(1),
    }
    return makers[constructor]()


def _close(value):
    """Release what the value holds (processes, sockets, files); locks and events hold nothing."""
    import socket

    if isinstance(value, socket.socket):
        value.close()
        return
    for method in ("terminate", "shutdown", "close"):  # Pool, executors, files, sqlite
        if callable(getattr(value, method, None)):
            getattr(value, method)()
            return
    if isinstance(value, subprocess.Popen):
        value.wait(timeout=60)


def test_the_lint_table_is_true_for_every_serialiser(tmp_path):
    """What the model's ``unsaveable-output`` lint says no serialiser can save, none can: each
    constructor makes the type the table names, and ``dump`` refuses it."""
    from notebook_ops.model.unsaveable import UNSAVEABLE

    for constructor, type_name in UNSAVEABLE.items():
        value = _make(constructor, tmp_path)
        try:
            assert serializers.type_name(value) == type_name, constructor
            with pytest.raises(Exception):  # noqa: B017 - whatever the pickler raises
                serializers.dump(value)
        finally:
            _close(value)
    gen = _generator()
    assert serializers.type_name(gen) == "generator"
    with pytest.raises(TypeError):
        serializers.dump(gen)
    with open(tmp_path / "f.txt", "w") as f:  # why open() is not in the table: cloudpickle
        f.write("x")  # saves a file opened for reading
    with open(tmp_path / "f.txt") as f:
        assert serializers.dump(f)[0].kind == "pickle5"
