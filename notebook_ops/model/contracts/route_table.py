"""The REST API's route table: every route under ``/notebook-ops/api``, its methods, parameters
and the contracts its bodies follow, in one place.

Two readers: the server maps each route to its handler (``notebook_ops.server.routes``: the URL
pattern comes from here) and the generator writes the OpenAPI document from it
(``notebook_ops.model.contracts.openapi``, ``notebook_ops/model/schema/openapi.json``), so the
document cannot list a route the server lacks or miss one it has. Bodies name their contract by
its schema file (``generate.SCHEMAS``: ``"rest-create-run"`` is ``rest:CreateRun``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

API_PREFIX = "notebook-ops/api"  # under the Jupyter server's base URL
OPENAPI_FILE = Path(__file__).resolve().parent.parent / "schema" / "openapi.json"

# what a path segment may be (tornado matches these; anything else is a 404 before a handler)
RUN_ID = r"[0-9A-Za-z][0-9A-Za-z_.-]{0,127}"
STEP = r"[A-Za-z0-9_-]+"
PROOF_ID = r"[0-9a-f]{12}"
NAME = r"[A-Za-z0-9_.-]{1,128}"


@dataclass(frozen=True)
class Param:
    """A query parameter (as the handler reads it with ``get_query_argument``)."""

    name: str
    description: str
    required: bool = False
    integer: bool = False  # sent as text, read as an integer (a bad one: 400 naming it)
    values: tuple[str, ...] = ()  # the only values that mean something ("": any text)


@dataclass(frozen=True)
class Operation:
    method: str  # get, post, ...
    summary: str
    status: int  # the status of a success
    response: str | None  # the reply's schema name (None: a JSON object without a contract yet)
    request: str | None = None  # the body's schema name
    query: tuple[Param, ...] = ()
    body_schema: dict | None = None  # a small body without a contract class of its own
    media: tuple[str, ...] = ("application/json",)  # the reply's content types
    also: tuple[int, ...] = ()  # other success statuses with the same reply


@dataclass(frozen=True)
class Route:
    """One URL under the API prefix; ``{name}`` segments are matched by ``segments[name]``."""

    name: str  # the handler's key in ``notebook_ops.server.routes.HANDLERS``
    path: str  # OpenAPI form, relative to the prefix: "/runs/{run_id}"
    operations: tuple[Operation, ...]
    segments: tuple[tuple[str, str], ...] = ()  # (name, regex) per ``{name}``
    feature: str | None = None  # served only when this feature is installed ("schedules")

    def pattern(self) -> str:
        """The tornado URL pattern: each ``{name}`` a regex group (handlers get them in order)."""
        if self.path == "/":
            return "/?"
        regexes = dict(self.segments)
        return re.sub(r"\{(\w+)\}", lambda m: f"({regexes[m.group(1)]})", self.path)

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(op.method for op in self.operations)


PATH = Param("path", "the notebook, relative to the server root", required=True)
LIMIT = Param("limit", "at most this many, newest first", integer=True)

ROUTES: tuple[Route, ...] = (
    Route(
        "features",
        "/",
        (Operation("get", "The server's version and the features it offers", 200, "rest-features-response"),),
    ),
    Route(
        "openapi",
        "/openapi.json",
        (Operation("get", "This document", 200, None),),
    ),
    Route(
        "pipelines",
        "/pipelines",
        (
            Operation(
                "post",
                "A notebook (or its unsaved content) read as a pipeline",
                200,
                "pipeline-view",
                request="rest-inspect-pipeline",
            ),
        ),
    ),
    Route(
        "stale_steps",
        "/stale-steps",
        (
            Operation(
                "post",
                "Which steps of a notebook (or its unsaved content) a run now would run again, and why",
                200,
                "staleness-view",
                request="rest-inspect-stale-steps",
            ),
        ),
    ),
    Route(
        "folders",
        "/folders",
        (
            Operation(
                "get",
                "A folder of notebooks read as a pipeline: their order and what links them",
                200,
                "folder-view",
                query=(Param("path", "the folder, relative to the server root", required=True),),
            ),
        ),
    ),
    Route(
        "pipeline_files",
        "/pipeline-files",
        (
            Operation(
                "post",
                "Write a folder's inferred pipeline as a pipeline file to edit",
                201,
                "rest-pipeline-file-response",
                request="rest-create-pipeline-file",
            ),
        ),
    ),
    Route(
        "elyra_edits",
        "/elyra-edits",
        (
            Operation(
                "post",
                "Edit an Elyra pipeline (a node or a link) and write it back as pipeline-flow v3",
                200,
                "rest-elyra-edit-response",
                request="rest-edit-elyra-pipeline",
            ),
        ),
    ),
    Route(
        "runs",
        "/runs",
        (
            Operation(
                "get", "The notebook's runs, newest first", 200, "rest-runs-response", query=(PATH, LIMIT)
            ),
            Operation("post", "Start a run of the notebook", 202, "rest-run-view", request="rest-create-run"),
        ),
    ),
    Route(
        "run",
        "/runs/{run_id}",
        (
            Operation("get", "One run, as its run.json says now", 200, "rest-run-view", query=(PATH,)),
            Operation("delete", "Cancel the run", 202, "rest-cancel-response", query=(PATH,)),
        ),
        segments=(("run_id", RUN_ID),),
    ),
    Route(
        "run_step",
        "/runs/{run_id}/steps/{step}",
        (
            Operation(
                "get",
                "The executed notebook of one step (format=html: a static page)",
                200,
                "rest-step-notebook-response",
                query=(PATH, Param("format", "json (default) or html", values=("json", "html"))),
                media=("application/json", "text/html"),
            ),
        ),
        segments=(("run_id", RUN_ID), ("step", STEP)),
    ),
    Route(
        "run_comparison",
        "/runs/{run_id}/comparisons/{other_id}",
        (
            Operation(
                "get",
                "The run against another of the notebook's runs: parameters, metrics, steps (b - a)",
                200,
                "run-comparison",
                query=(PATH,),
            ),
        ),
        segments=(("run_id", RUN_ID), ("other_id", RUN_ID)),
    ),
    Route(
        "exports",
        "/exports",
        (
            Operation(
                "post",
                "Export the notebook as a versioned bundle (with prove: 202, proven in the background)",
                201,
                "rest-export-response",
                request="rest-create-export",
                also=(202,),
            ),
        ),
    ),
    Route(
        "proofs",
        "/proofs",
        (
            Operation(
                "get",
                "The proofs of the notebook's bundles, newest first",
                200,
                "rest-proofs-response",
                query=(PATH,),
            ),
        ),
    ),
    Route(
        "proof",
        "/proofs/{proof_id}",
        (Operation("get", "Where a proof is now", 200, "rest-proof-progress"),),
        segments=(("proof_id", PROOF_ID),),
    ),
    Route(
        "models",
        "/models",
        (
            Operation(
                "get",
                "The registered models of the notebook's MLflow store: versions with lineage, "
                "targets, cost and the promotion gate's verdict",
                200,
                "rest-models-response",
                query=(
                    PATH,
                    Param("pipeline", "only models this pipeline registered a version of"),
                    Param("limit", "the newest versions shown per model (default 10)", integer=True),
                ),
            ),
        ),
        feature="models",
    ),
    Route(
        "model_promote",
        "/models/{name}/promote",
        (
            Operation(
                "post",
                "Point an alias at a version if the gate passes (promoted false and the reasons if not)",
                200,
                "rest-promote-response",
                request="rest-promote-model",
            ),
        ),
        segments=(("name", NAME),),
        feature="models",
    ),
    Route(
        "alert_checks",
        "/alert-checks",
        (
            Operation(
                "post",
                "Check alert destinations before they are saved (400 naming a bad one); each comes "
                "back as shown, its credential masked",
                200,
                "rest-alert-checks-response",
                request="rest-check-alerts",
            ),
        ),
    ),
    Route(
        "alert_tests",
        "/alert-tests",
        (
            Operation(
                "post",
                "Send one test message to an alert destination now, from this server (delivered "
                "false and the destination's answer when it does not take it)",
                200,
                "rest-test-alert-response",
                request="rest-send-test-alert",
            ),
        ),
    ),
    Route(
        "remote_runs",
        "/remote-runs",
        (
            Operation(
                "get",
                "The runs of the configured Airflow's notebook-ops DAGs, newest first",
                200,
                "rest-remote-runs-response",
                query=(Param("dag", "one DAG's runs only"), LIMIT),
            ),
        ),
    ),
    Route(
        "schedules",
        "/schedules",
        (
            Operation(
                "get",
                "The schedules (of the notebook at path, if given)",
                200,
                "rest-schedules-response",
                query=(Param("path", "only the schedules of this notebook or bundle"),),
            ),
            Operation(
                "post",
                "Schedule a notebook or a bundle",
                201,
                "schedule-view",
                request="rest-create-schedule",
            ),
        ),
        feature="schedules",
    ),
    Route(
        "schedule",
        "/schedules/{name}",
        (
            Operation("get", "One schedule", 200, "schedule-view"),
            Operation("patch", "Pause or resume it", 200, "schedule-view", request="rest-update-schedule"),
            Operation("delete", "Remove it", 200, "schedule-view"),
        ),
        segments=(("name", NAME),),
        feature="schedules",
    ),
    Route(
        "schedule_runs",
        "/schedules/{name}/runs",
        (Operation("post", "Fire the schedule now", 202, "scheduled-run-view"),),
        segments=(("name", NAME),),
        feature="schedules",
    ),
    Route(
        "scheduler",
        "/scheduler",
        (
            Operation(
                "get", "Is a scheduler service firing this store's schedules?", 200, "rest-scheduler-state"
            ),
            Operation(
                "put",
                "Start or stop the scheduler hosted in this server",
                200,
                "rest-scheduler-state",
                request="rest-host-scheduler",
            ),
        ),
        feature="schedules",
    ),
)
