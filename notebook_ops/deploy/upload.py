"""Files to a folder or any fsspec URL (s3://, gs://, sftp://...), whole or not at all.

A reader polling the place (Airflow's DAG processor, a task fetching the bundle) must never see
half a file: a local folder gets a temp file and a rename, an object store a single put.
"""

from __future__ import annotations

from pathlib import Path

from notebook_ops.errors import NotebookOpsError
from notebook_ops.kernel_side.data_store import is_url
from notebook_ops.util import atomic
from notebook_ops.util.redact import redact, redact_text


class UploadError(NotebookOpsError):
    exit_code = 1


def join(base: str, name: str) -> str:
    """``base/name`` for a folder or a URL."""
    if is_url(base):
        return f"{base.rstrip('/')}/{name}"
    return str(Path(base.removeprefix("file://")).expanduser().resolve() / name)


def put(data: bytes, base: str, name: str) -> str:
    """Write ``data`` as ``base/name``; returns where it went."""
    target = join(base, name)
    try:
        if not is_url(base):
            atomic.write_bytes(target, data)
            return target
        import fsspec  # noqa: PLC0415 - optional library (103 ms), imported only when used

        fs, path = fsspec.core.url_to_fs(target)
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        fs.pipe_file(path, data)
    except ImportError as exc:
        raise UploadError(
            f"no fsspec backend for {redact(base)} ({exc.name} is not installed)",
            hint="pip install s3fs (s3://), gcsfs (gs://) or adlfs (az://)",
        ) from None
    except (OSError, ValueError, PermissionError) as exc:
        raise UploadError(
            f"cannot write {redact(target)}: {redact_text(exc) or type(exc).__name__}"
        ) from None
    return target
