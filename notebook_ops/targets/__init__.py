"""Deploy targets: orchestrator files generated from a bundle's manifest, and ``run-step``.

One module per engine (``airflow``, ``kfp``, ``argo``, ``k8s``), each a generator
``generate(manifest, bundle_dir)`` registered in ``notebook_ops.bundle.target_registry`` and writing
only under ``bundle_dir/targets/``; ``step_task`` is the single-step entry point their tasks call.
Nothing heavy is imported here.
"""
