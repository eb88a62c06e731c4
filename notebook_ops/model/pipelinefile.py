"""A pipeline file: the notebooks of a pipeline and their order in one YAML file.

    name: churn-multi
    notebooks:
      - path: 01_ingest.ipynb
      - path: 02_features.ipynb
        after: [01_ingest]            # NOTEBOOK or NOTEBOOK:STEP, relative to this file
      - path: 03_train.ipynb
        after: [02_features]
    settings: {owner: data-team}      # as a notebook's metadata.notebook_ops

The schema ships as ``schema/pipeline-file.schema.json``; a file that breaks it is one
NotebookReadError naming the field. The graph is composed by ``multi`` as for ``after:`` tags
(which still count), with every step's name qualified by its notebook.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from notebook_ops.errors import NotebookReadError
from notebook_ops.model import ploomber, ploomberspec
from notebook_ops.model.multi import Composer
from notebook_ops.model.notebook import read_bytes
from notebook_ops.model.pipeline import Pipeline
from notebook_ops.model.settings import validate_settings
from notebook_ops.model.tags import slug
from notebook_ops.util import confine

SUFFIXES = (".yaml", ".yml")


@lru_cache(maxsize=1)
def _validator():
    import fastjsonschema  # noqa: PLC0415 - fastjsonschema costs 25 ms CPU to import, loaded on first use

    schema = json.loads(
        resources.files("notebook_ops.model").joinpath("schema/pipeline-file.schema.json").read_text()
    )
    return fastjsonschema.compile(schema)


def read_pipeline_file(path) -> dict:
    """The file's content, checked against the schema (one error naming the field)."""
    import fastjsonschema  # noqa: PLC0415 - fastjsonschema costs 25 ms CPU to import, loaded on first use
    import yaml  # noqa: PLC0415 - yaml costs 26 ms CPU to import, loaded on first use

    data = read_bytes(path)
    try:
        doc = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise NotebookReadError(f"not valid YAML{where}", path=path, hint="fix the file's syntax") from None
    if not isinstance(doc, dict) or ("notebooks" not in doc and "tasks" not in doc):
        raise NotebookReadError(
            "not a notebook-ops pipeline file (needs 'notebooks:') nor a Ploomber pipeline (needs 'tasks:')",
            path=path,
            hint="list the notebooks under 'notebooks:' (see README, 'Pipeline files')",
        )
    try:
        _validator()(doc)
    except fastjsonschema.JsonSchemaValueException as err:
        name = err.name or "data"
        field = name.replace("data.", "", 1).replace("data", "the file", 1)
        message = err.message.replace(name, field, 1)
        raise NotebookReadError(
            f"pipeline file: {message}",
            path=path,
            hint="see notebook_ops/model/schema/pipeline-file.schema.json",
        ) from None
    return doc


def _peek(path) -> object:
    """The YAML document, or None when it does not parse (``read_pipeline_file`` says why)."""
    import yaml  # noqa: PLC0415 - yaml costs 26 ms CPU to import, loaded on first use

    try:
        return yaml.safe_load(read_bytes(path))
    except yaml.YAMLError:
        return None


def load_pipeline_file(path) -> Pipeline:

    path = Path(path).resolve()
    if ploomberspec.is_ploomber(_peek(path)):
        return ploomber.load_ploomber(path)
    doc = read_pipeline_file(path)
    here = path.parent
    listed, extra = [], {}
    for i, item in enumerate(doc["notebooks"]):
        nb = (here / item["path"]).resolve()
        confine.check(nb, f"notebooks[{i}].path: {item['path']}", source=path.name)
        if not nb.is_file():
            raise NotebookReadError(
                f"pipeline file: notebooks[{i}].path: {item['path']} does not exist",
                path=path,
                hint="paths are relative to the pipeline file",
            )
        if nb in listed:
            raise NotebookReadError(
                f"pipeline file: notebooks[{i}].path: {item['path']} is listed twice", path=path
            )
        listed.append(nb)
        refs = []
        for ref in item.get("after") or []:
            target, sep, step = ref.rpartition(":")
            target = ref if not sep else target
            rel = Path(os.path.relpath(here / target, nb.parent)).as_posix()
            refs.append(rel + (f":{step}" if sep else ""))
        extra[nb] = refs
    settings = doc.get("settings") or {}
    composer = Composer(
        path,
        listed=listed,
        extra_refs=extra,
        name=doc.get("name") or slug(path.stem),
        settings=settings,
        file_hash=hashlib.sha256(read_bytes(path)).hexdigest(),
    )
    composer.problems.extend(validate_settings(settings))
    return composer.build()
