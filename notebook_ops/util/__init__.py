"""Shared low-level helpers (atomic writes, backoff, ...): the bottom layer, importing nothing else
of ours."""
