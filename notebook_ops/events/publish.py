"""Entry points for the services: which sinks are configured, a publisher for a run, and
one-shot publishing of export, schedule and model promotion events.

Configured sinks: ``NOTEBOOK_OPS_EVENTS`` (comma-separated URLs), plus any passed explicitly
(``--events URL``), plus, for a notebook, the ``events`` list of its settings
(``metadata.notebook_ops.events``). With none, nothing is started and nothing is imported.

The runner calls ``publisher_for_run`` once per run, so every face (CLI, server, widgets,
scheduler, trigger listener) publishes the same way without repeating it.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_ops.errors import NotebookOpsError
from notebook_ops.events.envelope import bundle_exported, model_promoted, schedule_fired
from notebook_ops.events.publisher import Publisher
from notebook_ops.events.sinks import check_url, scheme_of
from notebook_ops.model.pipeline import Problem

if TYPE_CHECKING:
    from notebook_ops.events.publisher import Publisher

log = logging.getLogger(__name__)

ENV = "NOTEBOOK_OPS_EVENTS"


def configured_urls(extra=()) -> list[str]:
    urls = [u.strip() for u in os.environ.get(ENV, "").split(",") if u.strip()]
    urls += [u.strip() for u in extra or () if u and u.strip()]
    return list(dict.fromkeys(urls))


def settings_urls(settings, base_dir=None) -> list[str]:
    """The sink URLs a notebook's settings name (``events``). A plain relative path is a file
    beside the notebook (``base_dir``), whichever folder the run starts from."""

    urls = (settings or {}).get("events") or []
    if not isinstance(urls, (list, tuple)):
        return []
    out = []
    for u in urls:
        if not isinstance(u, str) or not u.strip():
            continue
        u = u.strip()
        if (
            base_dir is not None
            and scheme_of(u) == "file"
            and "://" not in u
            and not u.startswith("~")
            and not Path(u).is_absolute()
        ):
            u = str(Path(base_dir) / u)
        out.append(u)
    return out


def settings_problems(settings) -> list:
    """``invalid-settings`` problems for the sink URLs a notebook's settings name, each read as
    the sink for its scheme reads it (plugins extend the schemes). Only the URL is checked, not
    the files it names (a CA, a token file), which may exist only where the notebook runs.
    The model checks the settings' shape and flags credentials; this is the sinks' part."""

    urls = (settings or {}).get("events")
    problems: list = []
    for i, url in enumerate(urls if isinstance(urls, list) else []):
        try:
            check_url(url, files=False)
        except NotebookOpsError as err:
            problems.append(
                Problem(
                    "error",
                    "invalid-settings",
                    f"metadata.notebook_ops.events[{i}]: {err.message}",
                    hint=err.hint or "fix it in the notebook metadata",
                )
            )
    return problems


def with_settings_problems(pipeline):
    """``pipeline`` with the events' ``settings_problems`` added (what faces show and lint)."""

    extra = settings_problems(pipeline.settings)
    return replace(pipeline, problems=(*pipeline.problems, *extra)) if extra else pipeline


def run_urls(pipeline, progress=None, extra=()) -> list[str]:
    """Every sink a run of ``pipeline`` publishes to: the configured ones (environment,
    ``extra``, the notebook's settings) and those a face's own publisher (``progress``) covers."""
    base = Path(pipeline.path).resolve().parent if getattr(pipeline, "path", None) else None
    urls = configured_urls(list(extra or ()) + settings_urls(pipeline.settings, base))
    return list(dict.fromkeys([*urls, *(getattr(progress, "event_urls", ()) or ())]))


def publisher_for_run(pipeline, progress=None, extra=()):
    """``(progress callback, Publisher or None)`` for one run of ``pipeline``: the configured
    sinks (environment, ``extra``, the notebook's settings) that ``progress`` does not already
    publish to (a face that wrapped its own publisher keeps it; no event is sent twice).
    Bad URLs raise EventsConfigError here, before the run starts. Close the publisher after."""

    covered = set(getattr(progress, "event_urls", ()) or ())
    urls = [u for u in run_urls(pipeline, None, extra) if u not in covered]
    if not urls:
        return progress, None

    publisher = Publisher(urls)
    return publisher.wrap(progress), publisher


def run_publisher(extra=(), **kw):
    """A Publisher for the configured sinks, or None. Bad URLs raise EventsConfigError (exit 2)
    here, before the run starts. Use as ``progress=publisher.wrap(progress)``; ``close()`` after."""
    urls = configured_urls(extra)
    if not urls:
        return None

    return Publisher(urls, **kw)


_shared: dict[tuple, Publisher] = {}
_shared_lock = threading.Lock()
SHARED_CLOSE_S = 2.0


def _shared_publisher(urls: list[str]):
    """One long-lived publisher per set of URLs in this process (a scheduler fires many times;
    an export command once): closed at exit within SHARED_CLOSE_S, the rest spooled."""
    key = tuple(urls)
    with _shared_lock:
        pub = _shared.get(key)
        if pub is None:
            pub = _shared[key] = Publisher(urls)
            if len(_shared) == 1:
                atexit.register(close_shared)
        return pub


def close_shared() -> None:
    with _shared_lock:
        pubs = list(_shared.values())
        _shared.clear()
    for pub in pubs:
        pub.close(SHARED_CLOSE_S)


def publish_events(events, extra=()) -> None:
    """Hand already-built events to the configured sinks and return at once; never raises for
    a sink problem (a bad URL is logged, a sink that is down gets the spool)."""
    urls = configured_urls(extra)
    if not urls:
        return
    try:
        pub = _shared_publisher(urls)
    except Exception as exc:  # noqa: BLE001 - a bad events setting must not fail an export
        log.warning("events not published: %s", exc)
        return
    for e in events:
        pub.publish(e)


def publish_bundle_exported(result, extra=()) -> None:
    """Call after a successful export with its ExportResult."""
    if not configured_urls(extra):
        return

    try:
        event = bundle_exported(result)
    except Exception as exc:  # noqa: BLE001 - an event must never fail an export
        log.warning("bundle.exported not published: %s", exc)
        return
    publish_events([event], extra)


_sinks_cache: dict[tuple, list[str]] = {}


def notebook_sinks(target) -> list[str]:
    """The sinks a notebook's settings name, read from its metadata only (a scheduler fires
    often: no pipeline build), cached per file version; [] for a bundle or an unreadable file."""

    p = Path(target)
    if p.suffix != ".ipynb":
        return []
    try:
        key = (str(p), p.stat().st_mtime_ns)
        if key not in _sinks_cache:
            meta = (json.loads(p.read_bytes()).get("metadata") or {}).get("notebook_ops") or {}
            _sinks_cache.clear()
            _sinks_cache[key] = settings_urls(meta if isinstance(meta, dict) else {}, p.parent)
        return list(_sinks_cache[key])
    except (OSError, ValueError, AttributeError):
        return []


def publish_schedule_fired(*, target, extra=(), **fields) -> None:
    """Call when a schedule fires (once the firing is recorded); ``fields``: those of
    ``envelope.schedule_fired``. Goes to the configured sinks and those the target notebook's
    settings name, like the run it starts."""
    extra = list(extra or ()) + notebook_sinks(target)
    if not configured_urls(extra):
        return

    try:
        event = schedule_fired(target=target, **fields)
    except Exception as exc:  # noqa: BLE001 - an event must never fail a firing
        log.warning("schedule.fired not published: %s", exc)
        return
    publish_events([event], extra)


def publish_model_promoted(record: dict, *, pipeline=None, extra=()) -> None:
    """Call when a model version was pointed at an alias (``record``: the fields of
    ``ModelPromotedData``); goes to the configured sinks and ``extra`` (a run's sinks, for the
    promote setting). Returns at once; never raises."""
    if not configured_urls(extra):
        return
    try:
        event = model_promoted(record, pipeline=pipeline)
    except Exception as exc:  # noqa: BLE001 - an event must never fail a promotion
        log.warning("model.promoted not published: %s", exc)
        return
    publish_events([event], extra)
