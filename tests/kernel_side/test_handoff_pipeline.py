"""The hand-off without copies in real runs: forked kernels map the producer's files; a step that
changes what it received (in ways the analysis sees and ways only the run sees) gets the results
papermill gets running the notebook top to bottom, a step beside it still sees the values as
made, and the store's files and the step cache's hard links stay as written. A cache entry in
the old formats (Parquet, cloudpickle), as an older notebook-ops wrote it, still serves a run."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nbfactory import sha, write_nb
from notebook_ops.execution import run_notebook
from notebook_ops.kernel_side import serializers

PAPERMILL = str(Path(sys.executable).parent / "papermill")

CELLS = [
    ("import numpy as np\nimport pandas as pd", ["setup"]),
    (
        "arr = np.arange(300_000, dtype=float)\n"
        "df = pd.DataFrame({'f': np.arange(100_000.0), 's': ['w'] * 100_000, "
        "'c': pd.Categorical(['a', 'b'] * 50_000)})\n"
        "weights = {'w': np.ones(200_000), 'tag': 'v1'}",
        ["step:produce"],
    ),
    (
        "pristine = float(arr.sum()) + float(df['f'].sum()) + float(weights['w'].sum())\n"
        "print('pristine', repr(pristine), len(df), df['c'].cat.categories.tolist())",
        ["step:pristine", "after:produce"],
    ),
    (
        "arr[:10] = -1\n"
        "np.negative(arr, out=arr)  # a change inside numpy: the run sees it, not the analysis\n"
        "df.loc[0, 'f'] = -5.0\n"
        "df['s'] = df['s'] + 'x'\n"
        "weights['w'] *= 3\n"
        "print('mutated', repr(float(arr[5])))",
        ["step:mutate", "after:produce"],
    ),
    (
        "checked = float(arr.sum()) + float(df['f'].sum()) + float(weights['w'].sum())\n"
        "print('checked', repr(checked), df['s'].iloc[0])",
        ["step:check", "after:mutate"],
    ),
]


def _printed(nb: Path) -> list[str]:
    cells = json.loads(nb.read_text())["cells"]
    return [
        line
        for c in cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream"
        for line in "".join(o["text"]).splitlines()
        if line.split(" ")[0] in ("pristine", "mutated", "checked")
    ]


@pytest.fixture(scope="module")
def papermill_lines(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pm")
    nb = write_nb(folder, "handoff.ipynb", CELLS)
    out = folder / "out.ipynb"
    done = subprocess.run(
        [PAPERMILL, "--no-progress-bar", str(nb), str(out)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = _printed(out)
    assert [line.split(" ")[0] for line in lines] == ["pristine", "mutated", "checked"]
    return lines


def _run_lines(res) -> list[str]:
    return [
        line
        for step in ("pristine", "mutate", "check")
        for line in _printed(res.run_dir / "steps" / f"{step}.ipynb")
    ]


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cache_entry(nb: Path, step: str) -> Path:
    (entry,) = (nb.parent / ".notebook_ops" / "cache").glob(f"*/{step}/*/data")
    return entry


def test_consumers_change_their_copies_as_top_to_bottom(tmp_path, papermill_lines):
    nb = write_nb(tmp_path, "handoff.ipynb", CELLS)
    before = sha(nb)
    res = run_notebook(nb, jobs=2, track=False, kernels="fork")
    assert res.status == "succeeded", res.record["error"]
    assert _run_lines(res) == papermill_lines
    data = res.run_dir / "data"
    made = json.loads((data / "produce" / "_outputs.json").read_text())["outputs"]
    assert {n: e["kind"] for n, e in made.items()} == {
        "arr": "npy",
        "df": "pandas-arrow",
        "weights": "pickle5",
    }
    # the consumers mapped these files and changed their copies: the files are as written, and
    # so is the cache entry hard-linked to them
    entry = _cache_entry(nb, "produce")
    for name, e in made.items():
        assert _file_sha(data / "produce" / e["file"]) == e["sha256"], name
        assert _file_sha(entry / e["file"]) == e["sha256"], name
    # the changed versions went on to `check` from `mutate`
    changed = json.loads((data / "mutate" / "_outputs.json").read_text())["outputs"]
    assert set(changed) == {"arr", "df", "weights"}
    assert sha(nb) == before


def _to_old_formats(entry: Path) -> None:
    """Rewrite a cache entry's data as notebook-ops wrote it before the hand-off without copies:
    DataFrames in Parquet, other objects in cloudpickle (.npy is unchanged)."""
    manifest_path = entry / "_outputs.json"
    manifest = json.loads(manifest_path.read_text())
    from notebook_ops.kernel_side.data_store import DataStore

    store = DataStore(str(entry.parent))
    for name, e in manifest["outputs"].items():
        old = {
            "pandas-arrow": ("parquet", serializers._dump_parquet),
            "pickle5": ("cloudpickle", serializers._dump_pickle),
        }
        if e["kind"] not in old:
            continue
        value = store.load_entry(entry.name, e)
        kind, dump = old[e["kind"]]
        data = dump(value)
        new_file = name + serializers.by_kind(kind).ext
        (entry / e["file"]).unlink()
        (entry / new_file).write_bytes(data)
        e.update(kind=kind, file=new_file, bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))


def test_an_old_format_cache_entry_still_serves_a_run(tmp_path, papermill_lines):
    nb = write_nb(tmp_path, "handoff.ipynb", CELLS)
    first = run_notebook(nb, jobs=2, track=False, kernels="fork")
    assert first.status == "succeeded", first.record["error"]
    entry = _cache_entry(nb, "produce")
    _to_old_formats(entry)
    kinds = {n: e["kind"] for n, e in json.loads((entry / "_outputs.json").read_text())["outputs"].items()}
    assert kinds == {"arr": "npy", "df": "parquet", "weights": "cloudpickle"}

    again = run_notebook(nb, jobs=2, track=False, kernels="fork")
    assert again.status == "succeeded", again.record["error"]
    steps = again.record["steps"]
    assert steps["produce"].get("cached") is True
    restored = json.loads((again.run_dir / "data" / "produce" / "_outputs.json").read_text())["outputs"]
    assert {n: e["kind"] for n, e in restored.items()} == kinds
    # the consumers' inputs changed bytes (the cache key holds their sha256): they ran again,
    # reading the old formats, with the same results (`check` reads mutate's new outputs, the
    # same bytes as in the first run: it may come from the cache)
    assert not any(steps[s].get("cached") for s in ("pristine", "mutate"))
    assert _run_lines(again) == papermill_lines
