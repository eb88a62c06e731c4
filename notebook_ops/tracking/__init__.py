"""Run tracking in MLflow (``mlflow-skinny``), imported only when a run is tracked.

``notebook_ops.tracking.mlflow_tracker.Tracker`` records one parent run per pipeline run and a
nested run per step; ``default_tracking_uri`` picks the local sqlite store when
``MLFLOW_TRACKING_URI`` is unset.
"""
