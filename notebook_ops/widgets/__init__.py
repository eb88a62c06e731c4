"""The kernel-side pipeline panel (ipywidgets), for front ends that render widgets but not our
JupyterLab extension: VS Code, Notebook 7, hosted notebooks.

Public API::

    import notebook_ops as nbo
    nbo.panel()                   # the notebook this kernel runs (found from the front end)
    nbo.panel("churn.ipynb")      # any notebook
    p = nbo.panel("churn.ipynb", out_dir="dist", store=None, run_options={"jobs": 2})
    p.form.widgets["epochs"].value = 50; p.run_button.click(); p.wait(600)   # scripted

The panel is a face: it starts runs through the run service (``RunService.start``), and calls
the bundle service (``export_notebook``) and the scheduler (``scheduler.add``), like the CLI.
Modules: ``locate`` (which notebook), ``form`` (typed parameter widgets), ``steps`` (steps grid,
progress, problems), ``results`` (what the services return, as HTML), ``pipeline_panel`` (layout
and the worker thread; not ``panel``, which is the function).
"""

from __future__ import annotations

from notebook_ops.errors import NotebookOpsError

__all__ = ["panel", "Panel"]


def panel(path=None, **options):
    """The pipeline panel for ``path``, or for the notebook this kernel runs."""
    try:
        import ipywidgets  # noqa: F401, PLC0415 - a probe: ipywidgets (156 ms) is optional
    except ImportError:
        raise NotebookOpsError(
            "the panel needs ipywidgets", hint="pip install 'notebook-ops[lab]' (or ipywidgets)"
        ) from None
    from notebook_ops.widgets.locate import current_notebook  # noqa: PLC0415 - the panel pulls ipywidgets (156 ms); `import notebook_ops.widgets` stays cheap
    from notebook_ops.widgets.pipeline_panel import Panel  # noqa: PLC0415 - the panel pulls ipywidgets (156 ms); `import notebook_ops.widgets` stays cheap

    return Panel(path if path is not None else current_notebook(), **options)


def __getattr__(name):
    if name == "Panel":
        from notebook_ops.widgets.pipeline_panel import Panel  # noqa: PLC0415 - the panel pulls ipywidgets (156 ms); `import notebook_ops.widgets` stays cheap

        return Panel
    raise AttributeError(name)
