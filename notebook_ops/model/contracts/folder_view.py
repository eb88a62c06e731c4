"""A folder of notebooks as the lab shows it (REST ``GET folders``): the order inferred from
what the notebooks hand each other (``model/folder.py``) and why each comes where it does; the
pipeline they make is the ``PipelineView`` of the same folder (``POST pipelines``). Paths are
named by the face (the server: relative to its root)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from notebook_ops.model.contracts.base import Contract


@dataclass
class FolderLink(Contract):
    """Why a notebook comes after another: ``what`` it gets from ``notebook``."""

    notebook: str
    what: str  # "file data/raw.csv" (a file or SQLite database it writes) | "name df"


@dataclass
class FolderNotebook(Contract):
    """One notebook in run order."""

    path: str
    number: int | None = None  # the number its name starts with (breaks ties)
    steps: list[str] = field(default_factory=list)  # its steps in the pipeline
    gets: list[FolderLink] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)  # the notebooks it %runs (they run inside it)


@dataclass
class FolderView(Contract):
    path: str
    name: str
    glob: str
    notebooks: list[FolderNotebook] = field(default_factory=list)  # in run order
    helpers: list[str] = field(default_factory=list)  # %run by another notebook: not steps
    pipeline_file: str = ""  # where "write the pipeline file" writes by default
    pipeline_file_exists: bool = False

    @classmethod
    def of(
        cls, order, steps_of: dict[Path, list[str]], *, path: str, name_of: Callable[[Path], str]
    ) -> FolderView:
        """The view of a ``model.folder.FolderOrder``; ``steps_of``: each notebook's steps in the
        pipeline; ``name_of`` names a file as the face does."""
        from notebook_ops.model.folder import FolderOrder  # noqa: PLC0415 - cycle: model.folder builds this view

        out = order.folder / "pipeline.yaml"
        notebooks = []
        for nb in order.order:
            name = name_of(nb)
            notebooks.append(
                FolderNotebook(
                    path=name,
                    number=FolderOrder.number(nb),
                    steps=list(steps_of.get(nb, [])),
                    gets=[FolderLink(name_of(other), what) for other, what in order.gets.get(nb, [])],
                    runs=[name_of(r) for r in order.runs.get(nb, [])],
                )
            )
        return cls(
            path=path,
            name=order.name,
            glob=order.glob,
            notebooks=notebooks,
            helpers=[name_of(h) for h in order.helpers],
            pipeline_file=name_of(out),
            pipeline_file_exists=out.exists(),
        )
