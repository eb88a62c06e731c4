"""The worker plugin's recipe (no cluster needed): its name says what it warms, so a run with the
same imports reuses the workers' zygotes and one with others gets its own; what travels to the
workers is that recipe, never a worker's state; a remote data store's backend is warmed too."""

from __future__ import annotations

import pickle

from notebook_ops.execution.worker_zygote import PREFIX, ZygotePlugin, plugin_name
from notebook_ops.kernel_side.data_store import backend_modules


def test_the_name_is_the_warm_set():
    name = plugin_name("python3", ["pandas", "numpy"])
    assert name.startswith(PREFIX)
    assert plugin_name("python3", ["numpy", "pandas", "numpy"]) == name  # order, repeats
    assert plugin_name("python3", ["numpy"]) != name
    assert plugin_name("other-kernel", ["pandas", "numpy"]) != name
    assert plugin_name("python3", ["pandas", "numpy", "not a module"]) == name  # never imported


def test_only_the_recipe_travels():
    plugin = ZygotePlugin("python3", ["numpy"])
    plugin.refused = "a worker's state"
    copy = pickle.loads(pickle.dumps(plugin))
    assert (copy.kernel_name, copy.preload, copy.name) == ("python3", ["numpy"], plugin.name)
    assert copy.refused is None and copy.zygote is None
    assert ZygotePlugin.idempotent is True
    assert copy.kernels_for("python3") is None  # not set up on a worker: a fresh kernel


def test_the_data_stores_backend_is_warmed():
    assert backend_modules("s3://bucket/runs") == ["fsspec", "s3fs"]
    assert backend_modules("gs://bucket/runs") == ["fsspec", "gcsfs"]
    assert backend_modules("memory://runs") == ["fsspec"]
    assert backend_modules("file:///mnt/shared") == [] and backend_modules("/tmp/data") == []
