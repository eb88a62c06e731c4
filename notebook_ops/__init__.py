"""notebook-ops: run a tagged notebook as a pipeline, export it as a bundle, schedule it.

Inside a kernel, ``import notebook_ops as nbo`` gives the kernel helpers (``nbo.log_metric``,
``nbo.log_artifact``, ``nbo.log_model``, ``nbo.context``) and ``nbo.panel()``. They are loaded on first use so
importing the package stays cheap for the CLI.
"""

from notebook_ops._version import __version__

__all__ = ["__version__", "context", "log_artifact", "log_metric", "log_model", "panel"]

_HELPERS = ("context", "log_artifact", "log_metric")


def __getattr__(name):
    if name in _HELPERS:
        from notebook_ops.kernel_side import helpers  # noqa: PLC0415 - PEP 562: kernel helpers load on first use, the CLI's import stays cheap

        return getattr(helpers, name)
    if name == "log_model":  # a model to the MLflow Model Registry (kernel_side/model_logging.py)
        from notebook_ops.kernel_side.model_logging import log_model  # noqa: PLC0415 - PEP 562: kernel helpers load on first use, the CLI's import stays cheap

        return log_model
    if name == "panel":  # the ipywidgets pipeline panel (notebook_ops.widgets)
        from notebook_ops.widgets import panel  # noqa: PLC0415 - PEP 562: the panel pulls ipywidgets (156 ms), loaded on first use

        return panel
    raise AttributeError(f"module 'notebook_ops' has no attribute {name!r}")
