"""The executed step notebook as the panel shows it: the user's cells, not the runner's."""

from __future__ import annotations

import nbformat

from notebook_ops.server.run_handlers import PLUMBING_TAG, without_plumbing


def test_plumbing_cells_go_unless_they_have_something_to_show():
    nb = nbformat.v4.new_notebook()
    quiet = nbformat.v4.new_code_cell("_nbo_rt.begin(globals())", metadata={"tags": [PLUMBING_TAG]})
    failed = nbformat.v4.new_code_cell("_nbo_rt.save(['model'])", metadata={"tags": [PLUMBING_TAG]})
    failed.outputs = [
        nbformat.v4.new_output("error", ename="PicklingError", evalue="cannot pickle", traceback=[])
    ]
    mine = nbformat.v4.new_code_cell("model = fit(X)", metadata={"tags": ["step:train"]})
    nb.cells = [quiet, mine, failed]

    shown = without_plumbing(nb)

    assert [c.source for c in shown.cells] == ["model = fit(X)", "_nbo_rt.save(['model'])"]
    # the failing plumbing cell keeps its error, its code is hidden from the page
    assert shown.cells[1].metadata["transient"] == {"remove_source": True}
    assert "transient" not in shown.cells[0].metadata


def test_parameters_cells_keep_the_users_values_not_the_runners():
    nb = nbformat.v4.new_notebook()
    own = nbformat.v4.new_code_cell(
        "n = 3  # how many\n\n# run plumbing (set by notebook-ops; papermill -p works too)\n"
        '_nbo_data_url = ""  # data store\n_nbo_step = "add"',
        metadata={"tags": ["parameters"]},
    )
    injected = nbformat.v4.new_code_cell(
        '# Parameters\nn = 5\n_nbo_data_url = "/tmp/data"\n_nbo_run_id = "r1"\n',
        metadata={"tags": ["injected-parameters"]},
    )
    only_plumbing = nbformat.v4.new_code_cell(
        '# Parameters\n_nbo_data_url = "/tmp/data"\n', metadata={"tags": ["injected-parameters"]}
    )
    nb.cells = [own, injected, only_plumbing, nbformat.v4.new_code_cell("total = n")]

    shown = without_plumbing(nb)

    assert [c.source for c in shown.cells] == ["n = 3  # how many", "# Parameters\nn = 5", "total = n"]
