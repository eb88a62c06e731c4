"""Writes tests/corpus: small notebooks the tests (and other developers) use."""

import json
import nbformat
from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell


def cell(src, *tags, md=False):
    c = (new_markdown_cell if md else new_code_cell)(src.strip("\n"))
    if tags:
        c.metadata["tags"] = list(tags)
    return c


def save(name, cells, **meta):
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.update(meta)
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"
    nbformat.write(nb, f"tests/corpus/{name}.ipynb")


save(
    "diamond",
    [
        cell("import time\nimport notebook_ops as nbo", "setup"),
        cell("delay = 0.0  # seconds each branch sleeps\nbase = 10  # starting value", "parameters"),
        cell("start = base + 1", "step:start"),
        cell("time.sleep(delay)\nleft = start * 2", "step:left", "after:start"),
        cell("time.sleep(delay)\nright = start * 3", "step:right", "after:start"),
        cell(
            "total = left + right\nnbo.log_metric('total', total)\nprint(total)",
            "step:join",
            "after:left",
            "after:right",
        ),
    ],
)

save(
    "untagged",
    [
        cell("# A plain notebook", md=True),
        cell("x = 1"),
        cell("y = x + 1\nprint(y)"),
    ],
)

save(
    "kale",
    [
        cell("import math", "imports"),
        cell("def double(v):\n    return 2 * v", "functions"),
        cell("n = 4", "pipeline-parameters"),
        cell("values = list(range(n))", "block:load_data"),
        cell(
            "doubled = [double(v) for v in values]",
            "step:transform",
            "prev:load_data",
            "image:python:3.11-slim",
            "limit:nvidia.com/gpu:1",
            "cache:disabled",
        ),
        cell(
            "total = sum(doubled)\nroot = math.sqrt(total)",
            "step:summarise",
            "prev:transform",
            "limit:memory:2Gi",
        ),
        cell("print(total)\nprint(root)", "pipeline-metrics"),
        cell("print('exploration')", "skip"),
    ],
)

save(
    "hidden_state",
    [
        cell("a = 1", "step:one"),
        cell("b = a + 1", "step:two", "after:one"),
        cell("c = b + 1", "step:three", "after:one"),
    ],
)

save(
    "problems",
    [
        cell("x = 1  # ok\ny = compute()  # not a literal", "parameters"),
        cell("z = 2", "parameters"),
        cell("p = 1", "step:Bad Name"),
        cell("q = 1", "step:dup"),
        cell("r = 1", "step:dup"),
        cell("s = 1", "step:loop_a", "after:loop_b"),
        cell("t = 1", "step:loop_b", "after:loop_a"),
        cell("u = 1", "step:lost", "after:nowhere"),
        cell("v = (", "step:broken"),
        cell("w = never_defined + 1", "step:reader"),
    ],
)

# nbformat 3 notebook, written by hand (nbformat's v3 writer)
v3 = {
    "nbformat": 3,
    "nbformat_minor": 0,
    "metadata": {"name": ""},
    "worksheets": [
        {
            "cells": [
                {"cell_type": "code", "input": "x = 1", "language": "python", "metadata": {}, "outputs": []},
                {
                    "cell_type": "code",
                    "input": "print(x)",
                    "language": "python",
                    "metadata": {},
                    "outputs": [],
                },
            ],
            "metadata": {},
        }
    ],
}
with open("tests/corpus/nbformat3.ipynb", "w") as f:
    json.dump(v3, f, indent=1)
