"""The model layer: reading notebooks, the tag grammar, parameters, data-flow analysis, problems.

Imports no kernel, MLflow, Jupyter server or UI code. Public entry points:

- ``load_pipeline(path) -> Pipeline``: read a notebook file and build its pipeline.
- ``build_pipeline(nb: dict, path=None) -> Pipeline``: the same from an in-memory notebook
  (the lab extension sends unsaved content).
- ``read_notebook(path) -> dict``: the notebook as nbformat-4 JSON (never modifies the file).
"""

from notebook_ops.model.pipeline import Cell, Parameter, Pipeline, Problem, Step

__all__ = [
    "Cell",
    "Parameter",
    "Pipeline",
    "Problem",
    "Step",
    "build_pipeline",
    "load_pipeline",
    "read_notebook",
]


def __getattr__(name):
    if name == "load_pipeline":  # a notebook's pipeline, across notebooks when it says so
        from notebook_ops.model import multi  # noqa: PLC0415 - PEP 562 in the package __init__: a cycle (every model module imports it)

        return multi.load_pipeline
    if name == "build_pipeline":  # the same from an in-memory notebook
        from notebook_ops.model import multi  # noqa: PLC0415 - PEP 562 in the package __init__: a cycle (every model module imports it)

        return multi.build_pipeline
    if name == "read_notebook":
        from notebook_ops.model.notebook import read_notebook  # noqa: PLC0415 - PEP 562 in the package __init__: a cycle (every model module imports it)

        return read_notebook
    raise AttributeError(name)
