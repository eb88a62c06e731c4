"""The data store between steps: a local folder or any fsspec URL (s3://, gs://, memory://...).

Layout under the store's root, one folder per producing step::

    <root>/<step>/<name>.<ext>        one file per output value
    <root>/<step>/_outputs.json       manifest: name -> {kind, file, sha256, bytes}
    <root>/<step>/_metrics.json       metrics the step logged (nbo.log_metric)
    <root>/<step>/_artifacts/...      files the step logged (nbo.log_artifact)
    <root>/<step>/_observed.json      what the step's code did (kernel_side/observe.py)

Local folders use plain file I/O (atomic: temp file + rename); fsspec is imported only for URLs.
On a local store a consumer maps the producer's file (``Serializer.load_file``): the value is
handed over as a path, read once, shared by every consumer through the page cache. Because
files are replaced by rename, never rewritten, a mapping always sees the file it opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from typing import Any

from notebook_ops.errors import NotebookOpsError
from notebook_ops.kernel_side import serializers
from notebook_ops.util import atomic
from notebook_ops.util.redact import redact, redact_text

MANIFEST = "_outputs.json"
METRICS = "_metrics.json"
ARTIFACTS = "_artifacts"
OBSERVED = "_observed.json"
USAGE = "_usage.json"  # run-step: what the step cost (cpu_s, peak_mem_mb, duration_s)


def is_url(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def backend_modules(location: str) -> list[str]:
    """What a kernel imports to reach the store at ``location``: fsspec and the backend of its
    protocol (``s3://`` -> s3fs), for a zygote to import ahead (``worker_zygote.py``); none for
    a local folder or a protocol fsspec does not know."""
    if not location or not is_url(location) or location.startswith("file://"):
        return []
    try:
        from fsspec.registry import known_implementations  # noqa: PLC0415 - optional library, imported only when used
    except ImportError:
        return []
    protocol = location.split("://", 1)[0]
    target = (known_implementations.get(protocol) or {}).get("class", "")
    return list(dict.fromkeys(["fsspec", *([target.split(".")[0]] if target else [])]))


class DataStore:
    def __init__(self, location: str):
        if not location:
            location = os.path.abspath("data")
        if location.startswith("file://"):
            location = location[len("file://") :]
        self.location = location
        self.remote = is_url(location)
        if self.remote:
            import fsspec  # noqa: PLC0415 - optional library (103 ms), imported only when used

            self.fs, self.root = fsspec.core.url_to_fs(location)
        else:
            self.fs, self.root = None, os.path.abspath(location)

    def __repr__(self) -> str:
        return f"DataStore({self.location!r})"

    # --- raw bytes -------------------------------------------------------------------------
    def path(self, *parts: str) -> str:
        if self.remote:
            return "/".join([self.root.rstrip("/"), *parts])
        return os.path.join(self.root, *parts)

    def write_bytes(self, rel: tuple[str, ...], data: bytes | memoryview) -> None:
        target = self.path(*rel)
        if self.remote:
            self.fs.makedirs(self.path(*rel[:-1]), exist_ok=True)
            with self.fs.open(target, "wb") as f:
                f.write(data)
            return
        atomic.write_bytes(target, data)

    def read_bytes(self, rel: tuple[str, ...]) -> bytes:
        target = self.path(*rel)
        if self.remote:
            with self.fs.open(target, "rb") as f:
                return f.read()
        with open(target, "rb") as f:
            return f.read()

    def exists(self, rel: tuple[str, ...]) -> bool:
        target = self.path(*rel)
        return self.fs.exists(target) if self.remote else os.path.exists(target)

    def read_json(self, rel: tuple[str, ...], default=None):
        try:
            return json.loads(self.read_bytes(rel))
        except FileNotFoundError:
            return default

    def write_json(self, rel: tuple[str, ...], obj) -> None:
        self.write_bytes(rel, json.dumps(obj, indent=1, sort_keys=True, default=str).encode())

    # --- values ----------------------------------------------------------------------------
    def manifest(self, step: str) -> dict:
        return self.read_json((step, MANIFEST), default=None) or {}

    def save_values(self, step: str, values: dict, *, prepared: dict | None = None) -> dict:
        """Serialise each value; raises ``OutputError`` naming the first that cannot be saved.
        Writes the manifest last, so a manifest means every listed file is complete.

        ``prepared``: name -> (serialiser, bytes) already made (values found changed in place
        at run time; the manifest marks them ``changed_at_run``). Containers that hold other
        saved values record which (``refs``), so readers get one object, not two copies."""

        prepared = prepared or {}
        refs = _shared_refs(values)
        entries = {}
        for name, value in values.items():
            digest = _Digest()
            try:
                if name in prepared:
                    ser, data = prepared[name]
                    with self._output((step, name + ser.ext), digest) as f:
                        f.write(data)
                else:
                    ser = serializers.write(value, self._opener(step, name, digest))
            except Exception as exc:
                raise OutputError(serializers.unsaveable(step, name, value, exc)) from None
            entries[name] = {
                "kind": ser.kind,
                "file": name + ser.ext,
                "bytes": digest.size,
                "sha256": digest.sha256.hexdigest(),
                "type": f"{type(value).__module__}.{type(value).__qualname__}",
            }
            if name in refs:
                entries[name]["refs"] = refs[name]
            if name in prepared:
                entries[name]["changed_at_run"] = True
        self.write_json((step, MANIFEST), {"step": step, "outputs": entries})
        return entries

    def _opener(self, step: str, name: str, digest: _Digest):
        """``serializers.write``'s ``open_for``: the file of ``name`` in the serialiser's format."""
        return lambda ser: self._output((step, name + ser.ext), digest)

    @contextlib.contextmanager
    def _output(self, rel: tuple[str, ...], digest: _Digest) -> Iterator[_Digest]:
        """A file written whole or not at all (a local one atomically), hashed as it is written."""
        digest.reset()
        target = self.path(*rel)
        if not self.remote:
            with atomic.writing(target) as f:
                digest.file = f
                yield digest
            return
        self.fs.makedirs(self.path(*rel[:-1]), exist_ok=True)
        try:
            with self.fs.open(target, "wb") as f:
                digest.file = f
                yield digest
        except BaseException:
            with contextlib.suppress(Exception):
                self.fs.rm(target)
            raise

    def find_value(self, name: str, steps: list) -> tuple[str, dict]:
        """(step, manifest entry) of the first of ``steps`` that saved ``name``."""
        for step in steps:
            entry = (self.manifest(step).get("outputs") or {}).get(name)
            if entry is not None:
                return step, entry
        step = steps[-1]
        raise InputError(
            f"input {name!r} from step {step!r} is not in the data store {self.location} "
            f"(did step {step!r} run in this run, or in the run being resumed?)"
        )

    def load_entry(self, step: str, entry: dict):
        """The value, mapped from the producer's file when the store is local and the format
        allows (no copy, no parsing; copy-on-write), else read whole."""
        ser = serializers.by_kind(entry["kind"])
        if ser.load_file is not None and not self.remote:
            return ser.load_file(self.path(step, entry["file"]))
        return ser.load(self.read_bytes((step, entry["file"])))

    def load_value(self, step: str, name: str):
        return self.load_entry(*self.find_value(name, [step]))

    def load_values(self, found: dict) -> dict:
        """{name: (step, entry)} -> {name: value}; a container saved holding other values
        holds the loaded ones again (``data = [train, test]`` stays one object with them)."""
        values = {name: self.load_entry(step, entry) for name, (step, entry) in found.items()}
        for name, (_step, entry) in found.items():
            for key, other in (entry.get("refs") or {}).items():
                if other in values:
                    values[name] = _put(values[name], key, values[other])
        return values


class _Digest:
    """A binary file's writer that keeps the size and the sha256 of what went through it."""

    def __init__(self) -> None:
        self.file: Any = None
        self.reset()

    def reset(self) -> None:
        self.size = 0
        self.sha256 = hashlib.sha256()

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        self.sha256.update(view)
        self.size += view.nbytes
        self.file.write(view)
        return view.nbytes

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self.file.flush()

    def writable(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return False


_MAX_REF_SCAN = 10_000


def _shared_refs(values: dict) -> dict:
    """name -> {index or key: other name} for lists, tuples and dicts holding other values."""
    ids = {id(v): n for n, v in values.items()}
    refs: dict = {}
    for name, value in values.items():
        items: Iterable[tuple[Any, Any]]
        if isinstance(value, (list, tuple)) and len(value) <= _MAX_REF_SCAN:
            items = enumerate(value)
        elif isinstance(value, dict) and len(value) <= _MAX_REF_SCAN:
            items = ((k, v) for k, v in value.items() if isinstance(k, str))
        else:
            continue
        found = {str(k): ids[id(v)] for k, v in items if id(v) in ids and ids[id(v)] != name}
        if found:
            refs[name] = found
    return refs


def _put(container, key: str, value):
    if isinstance(container, list):
        container[int(key)] = value
    elif isinstance(container, tuple):
        items = list(container)
        items[int(key)] = value
        container = type(container)(items) if type(container) is tuple else container
    elif isinstance(container, dict):
        container[key] = value
    return container


def probe_store(location: str, marker: str) -> None:
    """Write, read back and delete a tiny marker at ``<root>/<marker>``; raises what the store
    raised (no network, no bucket, wrong credentials, no fsspec backend). Written without
    ``makedirs``, which on an object store would create a missing bucket."""
    store = DataStore(location)
    rel = tuple(marker.split("/"))
    payload = f"notebook-ops preflight {marker}".encode()
    if not store.remote:
        store.write_bytes(rel, payload)
        os.remove(store.path(*rel))
        return
    target = store.path(*rel)
    with store.fs.open(target, "wb") as f:
        f.write(payload)
    if store.fs.cat_file(target) != payload:
        raise OSError("the marker read back is not what was written")
    store.fs.rm(target)


class StoreUnreachable(NotebookOpsError):
    """The data store cannot be written and read from here."""


def check_store(location: str, marker: str, timeout: float = 60.0) -> None:
    """``probe_store`` before a run starts, as one line naming the store (credentials masked)
    and what went wrong; ``StoreUnreachable``. Credentials come only from the environment."""
    import concurrent.futures  # noqa: PLC0415 - concurrent.futures costs 19 ms CPU to import, loaded on first use

    shown = redact(location)
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        pool.submit(probe_store, location, marker).result(timeout)
    except concurrent.futures.TimeoutError:
        raise StoreUnreachable(
            f"the data store {shown} did not answer within {timeout:g} s", hint=_STORE_HINT
        ) from None
    except ImportError as exc:  # fsspec names the package: "Install s3fs to access S3"
        raise StoreUnreachable(
            f"the data store {shown} needs an fsspec backend that is not installed: {exc}",
            hint="pip install it (s3fs for s3://, gcsfs for gs://, adlfs for az://)",
        ) from None
    except Exception as exc:
        lines = str(exc).strip().splitlines()
        why = redact_text(f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": "))
        raise StoreUnreachable(
            f"the data store {shown} cannot be written and read: {why}", hint=_STORE_HINT
        ) from None
    finally:
        pool.shutdown(wait=False)


_STORE_HINT = (
    "check the URL and the credentials in this environment (AWS_ACCESS_KEY_ID, "
    "AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL for s3://; GOOGLE_APPLICATION_CREDENTIALS for gs://; "
    "AZURE_STORAGE_CONNECTION_STRING for az://)"
)


class OutputError(Exception):
    """A step's output value could not be serialised."""


class InputError(Exception):
    """A step's input is missing from the data store."""
