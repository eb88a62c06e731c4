"""The kernel-side runtime without a kernel: serialisers, the data store, the helpers."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from notebook_ops.kernel_side import helpers
from notebook_ops.kernel_side.data_store import DataStore, InputError, OutputError


def _fn(v):
    return v + 1


class Thing:
    def __init__(self, v):
        self.v = v


@pytest.mark.parametrize("url_kind", ["folder", "memory"])
def test_store_roundtrip_by_kind(tmp_path, url_kind):
    url = str(tmp_path / "d") if url_kind == "folder" else f"memory://nbo-test-{tmp_path.name}"
    store = DataStore(url)
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    arr = np.arange(6.0).reshape(2, 3)
    entries = store.save_values(
        "s",
        {
            "df": df,
            "arr": arr,
            "fn": _fn,
            "thing": Thing(3),
            "objs": np.array([{"a": 1}], dtype=object),
            "intcols": pd.DataFrame({1: [1]}),
        },
    )
    assert {k: e["kind"] for k, e in entries.items()} == {
        "df": "pandas-arrow",
        "arr": "npy",
        "fn": "pickle5",
        "thing": "pickle5",
        "objs": "pickle5",
        "intcols": "pickle5",
    }
    pd.testing.assert_frame_equal(store.load_value("s", "df"), df)
    np.testing.assert_array_equal(store.load_value("s", "arr"), arr)
    assert store.load_value("s", "fn")(1) == 2
    assert store.load_value("s", "thing").v == 3
    with pytest.raises(InputError, match="input 'nope' from step 's'"):
        store.load_value("s", "nope")


def test_unserialisable_value_names_the_variable(tmp_path):
    store = DataStore(str(tmp_path))
    with pytest.raises(OutputError, match="cannot save output 'lock'"):
        store.save_values("s", {"ok": 1, "lock": threading.Lock()})
    assert not (tmp_path / "s" / "_outputs.json").exists()  # no manifest: the step failed


def test_helpers_interactive_and_in_a_step(tmp_path):
    import notebook_ops as nbo

    helpers.configure(mode="interactive", run_id=None, step=None, run_dir=None, data_url=None, store=None)
    assert nbo.context().mode == "interactive"
    assert nbo.log_metric("acc", np.float64(0.5)) == 0.5
    with pytest.raises(TypeError):
        nbo.log_metric("acc", "high")
    store = DataStore(str(tmp_path))
    helpers.configure(
        mode="pipeline", run_id="r1", step="train", run_dir=str(tmp_path), data_url=str(tmp_path), store=store
    )
    nbo.log_metric("loss", 0.25, step=3)
    f = tmp_path / "plot.txt"
    f.write_text("plot")
    stored = nbo.log_artifact(f)
    assert (tmp_path / "train" / "_artifacts" / "plot.txt").read_text() == "plot"
    assert stored.endswith("plot.txt")
    rows = store.read_json(("train", "_metrics.json"))
    assert rows == [{"name": "loss", "value": 0.25, "step": 3, "run_step": "train"}]
    assert nbo.context().to_dict()["run_id"] == "r1"
    helpers.configure(mode="interactive", run_id=None, step=None, run_dir=None, data_url=None, store=None)
