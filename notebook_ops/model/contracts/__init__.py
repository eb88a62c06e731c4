"""The contracts: every shape that crosses a boundary (a file, a process, HTTP, a front end),
defined once as plain dataclasses in the model layer.

- ``runs``: ``run.json`` (``RunRecord``, ``StepRecord``), the runner's progress events;
- ``pipeline_view``: the pipeline as ``inspect --json``, the REST API and the lab show it;
- ``schedules``: a schedule's shape and its one check (``ScheduleSpec``), schedule views;
- ``events``: the data of each published event type;
- ``rest``: the REST request and response bodies;
- ``api``: the REST routes (paths, methods, parameters, the contract of each body), which the
  server routes by and ``openapi`` turns into the OpenAPI document.

Their JSON Schemas are generated into ``notebook_ops/model/schema/`` by
``python -m notebook_ops.model.contracts.generate`` (a test fails when the files are stale), with
the REST API's ``openapi.json``; the lab's TypeScript types are generated from those files.
"""
