"""Kernel side of secret parameters: read them from the environment, keep them out of outputs.

The runner (or ``run-step``, or an orchestrator's task from a Kubernetes Secret or an Airflow
Variable) puts each secret in the kernel's environment as ``NOTEBOOK_OPS_SECRET_<NAME>``; the
step notebook's plumbing cell calls ``load`` to set the parameter from it, so the injected
parameters cell never holds the value. ``load`` then masks the values in what the kernel sends
out (print, display, results, tracebacks), so the executed notebook and the step log show
``***`` even while papermill writes them cell by cell; the runner scrubs the finished files once
more (``model.secrets.scrub``).
"""

from __future__ import annotations

import os
import sys

from notebook_ops.model.secrets import MASK, env_name, scrub, scrub_values

_VALUES: list[str] = []


def load(ns: dict, names, convert) -> None:
    """Set each secret in ``ns`` from the environment (``convert(name, text)`` to its declared
    type); a secret the environment lacks keeps the parameters cell's value."""
    found = []
    for name in names:
        text = os.environ.get(env_name(name))
        if text is not None:
            ns[name] = convert(name, text)
            found.append(text)
        elif isinstance(ns.get(name), str) and ns[name]:  # papermill -p put it in the notebook
            found.append(ns[name])
    values = scrub_values(found)
    if values:
        _VALUES[:] = sorted(set(_VALUES) | set(values), key=len, reverse=True)
        _install()


def _clean(obj):
    if isinstance(obj, str):
        return scrub(obj, _VALUES)
    if isinstance(obj, list):
        return [_clean(x) for x in obj]
    if isinstance(obj, tuple):
        return tuple(_clean(x) for x in obj)
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    return obj


_INSTALLED: set[str] = set()


def _install() -> None:
    """Wrap, once each, the kernel's output streams and IPython's display, result and
    traceback paths with ``_clean``."""
    for stream_name in ("stdout", "stderr"):
        stream = getattr(sys, stream_name)
        if stream_name not in _INSTALLED and hasattr(stream, "write"):
            write = stream.write
            try:
                stream.write = lambda text, _w=write: _w(_clean(text))
                _INSTALLED.add(stream_name)
            except (AttributeError, TypeError):  # a stream that takes no attributes
                pass
    try:
        from IPython import get_ipython  # noqa: PLC0415 - IPython costs 108 ms CPU to import, loaded on first use
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    pub = getattr(shell, "display_pub", None)
    if pub is not None and "display" not in _INSTALLED:
        publish = pub.publish
        pub.publish = lambda data, metadata=None, *a, _p=publish, **kw: _p(_clean(data), metadata, *a, **kw)
        _INSTALLED.add("display")
    hook = getattr(shell, "displayhook", None)
    if hook is not None and hasattr(hook, "write_format_data") and "result" not in _INSTALLED:
        write_format = hook.write_format_data
        hook.write_format_data = lambda fmt, md=None, _w=write_format: _w(_clean(fmt), md)
        _INSTALLED.add("result")
    if hasattr(shell, "_showtraceback") and "traceback" not in _INSTALLED:
        show = shell._showtraceback
        shell._showtraceback = lambda etype, evalue, stb, _s=show: _s(
            etype, _MaskedError(_clean(str(evalue))), _clean(stb)
        )
        _INSTALLED.add("traceback")


class _MaskedError(Exception):
    """An exception value whose text had a secret in it."""


__all__ = ["MASK", "load"]
