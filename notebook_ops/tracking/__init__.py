"""Run tracking in MLflow (``mlflow-skinny``), never on a run's critical path.

``outbox``: what the runner writes into the run folder for MLflow, and who logs it (a follower
process for the CLI, a thread for long-lived processes); ``sync``: logging a run folder exactly
once, whoever does it (also ``notebook-ops runs sync``); ``follow``: the follower process;
``exports``: an export's run, the same way; ``mlflow_tracker``: the MLflow writes themselves
(``Session``, idempotent), the only module that imports MLflow, on first use.
``default_tracking_uri`` picks the local sqlite store when ``MLFLOW_TRACKING_URI`` is unset.
"""
