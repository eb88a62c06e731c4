"""Cell numbers as people read them: JupyterLab's, from 1; indexes stay 0-based."""

import pytest

from notebook_ops.errors import NotebookOpsError
from notebook_ops.cellref import cell_label, cell_number, cell_ranges


def test_a_cell_is_labelled_with_jupyterlabs_number():
    assert cell_number(0) == 1 and cell_label(0) == "cell 1" and cell_label(11) == "cell 12"


@pytest.mark.parametrize(
    "indexes,text",
    [([], ""), ([0], "1"), ([0, 6, 7], "1, 7-8"), ([7, 6, 0, 6], "1, 7-8"), ([2, 3, 4], "3-5")],
)
def test_ranges_fold_runs_and_number_from_1(indexes, text):
    assert cell_ranges(indexes) == text


def test_an_error_names_its_cell_by_number_and_keeps_the_index_in_its_dict():
    err = NotebookOpsError("boom", path="a.ipynb", cell=4, step="s")
    assert str(err) == "a.ipynb: cell 5: step s: boom"
    assert err.to_dict()["cell"] == 4
