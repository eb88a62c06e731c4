"""Shared low-level helpers: the bottom layer, importing nothing else of ours.

``atomic`` (file writes), ``backoff``, ``templates`` (``{{ }}`` in parameter values),
``webhook`` (the one signed poster), ``redact`` (credentials out of URLs), ``gitstate``
(provenance), ``procs`` (process liveness and trees, psutil).
"""
