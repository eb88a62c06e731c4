"""Handing a bundle to an engine that already runs somewhere, and following its runs there.

``airflow_api``: the client of Airflow 3's REST API (its token, its errors); ``upload``: files
to a folder or any fsspec URL; ``airflow``: ``notebook-ops deploy --airflow`` (DAG file and
bundle archive where Airflow reads them, wait for the parse, trigger, follow) and the remote
runs ``runs list --airflow`` shows.
"""
