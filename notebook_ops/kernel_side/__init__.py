"""What runs inside a kernel: the data store, the serialisers, the kernel helpers.

Imported by step notebooks (``notebook_ops.kernel_side.step``) and by ``import notebook_ops as nbo``
in user code, so it stays light: no papermill, MLflow or Jupyter here, and pandas, numpy,
pyarrow, cloudpickle and fsspec are imported only when a value or URL needs them.
"""
