"""Ploomber's pipeline.yaml read as it is: tasks of notebooks, percent-format scripts and
functions; products handed on; upstream from the parameters cells (globs too); grid tasks named
as Ploomber names them; env.yaml placeholders; anything unsupported is one line naming the task
and the key; a YAML that is neither ours nor Ploomber's says what it needs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ploomberkit import ploomber_project

from notebook_ops.errors import NotebookReadError
from notebook_ops.model import load_pipeline


def test_tasks_graph_products_and_grid(tmp_path):
    p = load_pipeline(ploomber_project(tmp_path))
    assert p.ok, p.errors
    assert p.step_names == ["get", "features", "clean", "fit-0", "fit-1", "fit-2", "fit-3", "report"]
    assert p.step("features").after == ("get",)
    assert set(p.step("report").after) == {"fit-0", "fit-1", "fit-2", "fit-3"}
    # env.yaml: {{data_name}} in a product; {{root}} made relative to the pipeline's folder
    assert p.step("get").files_out == ("output/raw.csv",)
    assert dict(p.step("features").files_in) == {"output/raw.csv": "get"}
    # grid: name + index, the product gets -INDEX before its suffix (Ploomber's TaskGroup)
    assert p.step("fit-2").files_out == ("output/model-2.txt",)
    assert dict(p.step("report").files_in) == {f"output/model-{i}.txt": f"fit-{i}" for i in range(4)}
    # the stale injected-parameters cell of clean.ipynb is never run: a notice, not its code
    clean = p.part("clean")
    stale = [c for c in clean.cells if "injected-parameters" in c.tags]
    assert stale and stale[0].role == "skip" and stale[0].index not in p.step("clean").cells
    assert any(pr.code == "stale-injected-parameters" for pr in p.problems)


def test_notebook_products(tmp_path):
    """A notebook task's ``nb`` (or single .ipynb) product is where its executed notebook goes."""
    path = ploomber_project(tmp_path)
    path.write_text(
        path.read_text()
        .replace("nb: output/report.ipynb", "nb: output/report.html")
        .replace(
            "    product:\n      nb: output/clean.ipynb\n      data: output/clean.csv",
            "    product: output/clean-run.ipynb",
        )
        .replace("data: output/clean.csv", "")
    )
    clean = tmp_path / "clean.ipynb"
    clean.write_text(clean.read_text().replace("product['data']", "'output/clean.csv'"))
    p = load_pipeline(path)
    got = {s.name: s.notebook_product for s in p.steps}
    assert got == {
        "get": "output/get.ipynb",  # {{root}}/output/get.ipynb, relative to the pipeline's folder
        "features": None,  # a function: its product is a data file
        "clean": "output/clean-run.ipynb",  # a notebook task's single .ipynb product
        **{f"fit-{i}": f"output/fit-{i}.ipynb" for i in range(4)},
        "report": None,  # Ploomber converts an .html nb; we do not write one
    }
    assert "output/clean-run.ipynb" not in p.step("clean").files_out
    # a task's nb_product_key names another key (Ploomber's NotebookRunner option)
    path.write_text(
        path.read_text()
        .replace("      nb: '{{root}}/output/get.ipynb'", "      executed: '{{root}}/output/get.ipynb'")
        .replace("  - source: scripts/get.py\n", "  - source: scripts/get.py\n    nb_product_key: executed\n")
    )
    p = load_pipeline(path)
    assert p.step("get").notebook_product == "output/get.ipynb"
    assert p.step("get").files_out == ("output/raw.csv",)


def test_injected_values_follow_ploomber(tmp_path):
    p = load_pipeline(ploomber_project(tmp_path))
    fit = p.part("fit-3")
    injected = next(c.source for c in fit.cells if c.source.startswith("# Ploomber's injected"))
    assert "upstream = {'clean': {'nb': 'output/clean.ipynb', 'data': 'output/clean.csv'}}" in injected
    assert "product = {'nb': 'output/fit-3.ipynb', 'model': 'output/model-3.txt'}" in injected
    assert "scale = 10" in injected and "offset = 5" in injected  # grid: keys in order, combinations
    get = next(c.source for c in p.part("get").cells if c.source.startswith("# Ploomber's injected"))
    assert "rows = '6'" in get  # {{rows}} from env.yaml, rendered as text (as Ploomber renders it)
    report = next(c.source for c in p.part("report").cells if c.source.startswith("# Ploomber's"))
    assert "'fit-*': {'fit-0': {" in report  # a glob upstream: every task it matches, by name
    call = p.part("features").cells[-1].source
    assert "from tasks import features" in call and "features(product=product, upstream=upstream)" in call


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda s: s.replace("    name: clean\n", "    name: clean\n    on_finish: hooks.check\n"),
            "task 'clean' uses 'on_finish'",
        ),
        (lambda s: "clients:\n  SQLScript: db.get\n" + s, "the file uses 'clients'"),
        (
            lambda s: s.replace("scripts/report.py", "scripts/report.sql"),
            "task 'report' uses 'source: scripts/report.sql'",
        ),
        (lambda s: s.replace("{{data_name}}", "{{missing}}"), "placeholder {{missing}} has no value"),
        (
            lambda s: s.replace("nb: output/clean.ipynb", "nb: ../elsewhere/clean.ipynb"),
            "task 'clean': its notebook product ../elsewhere/clean.ipynb is outside the pipeline's folder",
        ),
    ],
)
def test_unsupported_is_one_line_naming_task_and_key(tmp_path, edit, message):
    path = ploomber_project(tmp_path)
    path.write_text(edit(path.read_text()))
    with pytest.raises(NotebookReadError) as info:
        load_pipeline(path)
    assert message in str(info.value)
    r = subprocess.run(
        [sys.executable, "-m", "notebook_ops", "inspect", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode != 0 and message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 2  # the error and its fix


def test_a_yaml_neither_ours_nor_ploombers(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text("steps:\n  - run: a.ipynb\n")
    with pytest.raises(NotebookReadError) as info:
        load_pipeline(path)
    assert (
        "not a notebook-ops pipeline file (needs 'notebooks:') nor a Ploomber pipeline (needs 'tasks:')"
        in str(info.value)
    )


def test_stale_injected_cell_of_any_notebook_is_skipped(tmp_path):
    from nbfactory import make_notebook, write_notebook

    nb = write_notebook(
        tmp_path / "a.ipynb",
        make_notebook(
            [
                ("x = 1", ["parameters"]),
                ("x = 99\nopen('/home/jovyan/out.txt', 'w')", ["injected-parameters"]),
                "y = x + 1",
            ]
        ),
    )
    before = nb.read_bytes()
    p = load_pipeline(nb)
    assert p.cells[1].role == "skip" and 1 not in p.step("main").cells
    assert [pr.cell for pr in p.problems if pr.code == "stale-injected-parameters"] == [1]
    assert nb.read_bytes() == before


def test_upstream_from_the_yaml_and_here_placeholder(tmp_path):
    path = ploomber_project(tmp_path)
    text = path.read_text().replace("extract_upstream: true", "extract_upstream: false")
    text = text.replace("    name: clean\n", "    name: clean\n    upstream: [get]\n")
    text = text.replace("output/clean.csv", "'{{here}}/output/clean.csv'")
    path.write_text(text)
    p = load_pipeline(path)
    assert p.step("clean").after == ("get",)  # the yaml's upstream, not the cell's ['features']
    assert p.step("clean").files_out == ("output/clean.csv",)  # {{here}}: made relative again
    assert p.step("get").after == ()
