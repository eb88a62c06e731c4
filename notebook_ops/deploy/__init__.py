"""Deploying: the orchestrator files generated from a bundle's manifest, and pushing them.

Generating: one module per engine (``airflow_dag``, ``kfp``, ``argo``, ``k8s``), each a generator
``generate(manifest, bundle_dir)`` registered in ``generators`` and writing only under
``bundle_dir/targets/``; ``common`` is what they all read from the manifest the same way;
``step_task`` is the single-step entry point (``notebook-ops run-step``) their tasks call.

Pushing: ``airflow_api``, the client of Airflow 3's REST API (its token, its errors);
``upload``, files to a folder or any fsspec URL; ``airflow_push``, ``notebook-ops deploy
--airflow`` (DAG file and bundle archive where Airflow reads them, wait for the parse, trigger,
follow) and the remote runs ``runs list --airflow`` shows. Nothing heavy is imported here.
"""
